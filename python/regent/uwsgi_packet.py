"""The uwsgi request packet, decoded in a worker by the same rules as the master's
UwsgiRequestDecoder (DirectDecoderParityTest holds the two to the same answers)::

    header (4 bytes), then datasize bytes of vars, then the body (CONTENT_LENGTH bytes, raw)
    +-----------+------------------+-----------+
    | modifier1 | datasize u16 LE  | modifier2 |
    +-----------+------------------+-----------+
    vars, repeated until datasize is used up exactly:
    +--------------+---------------+--------------+-----------------+
    | klen u16 LE  | key (klen)    | vlen u16 LE  | value (vlen)    |
    +--------------+---------------+--------------+-----------------+

A worked example, ``GET /hi`` with two vars (35 bytes; the body would follow)::

    00                         modifier1 0 (WSGI)
    1f 00                      datasize 31
    00                         modifier2
    0e 00 "REQUEST_METHOD"     klen 14, key
    03 00 "GET"                vlen 3, value
    09 00 "PATH_INFO"          klen 9, key
    03 00 "/hi"                vlen 3, value

modifier1 30 strips SCRIPT_NAME from the front of PATH_INFO; code-loading uWSGI variables
are dropped (and reported once); the first REMOTE_ADDR wins, for other keys the last one.
Nothing here touches a socket.
"""

from __future__ import annotations

import re
import struct
import sys
import threading
from typing import Any, Callable, Optional

_MAGIC = (
    "UWSGI_SCRIPT", "UWSGI_MODULE", "UWSGI_CALLABLE", "UWSGI_FILE", "UWSGI_PYHOME", "UWSGI_CHDIR",
    "UWSGI_SETENV", "UWSGI_POSTFILE", "UWSGI_TOUCH_RELOAD", "UWSGI_APPID", "UWSGI_CACHE_GET",
)
_PREFIXES = {"HTTP/1.0": "HTTP/1.0 ", "HTTP/1.1": "HTTP/1.1 ", "HTTP/2.0": "HTTP/2.0 ", "HTTP/3.0": "HTTP/3.0 "}
_LEADING_DIGITS = re.compile(r"[0-9]*")
_LONG_MAX = (1 << 63) - 1
MAX_VARS = 1024
_FAST_LIMIT = 4 + 5 * MAX_VARS


class PacketError(Exception):
    """A malformed or refused uwsgi packet; the connection is closed without an answer."""


def header_error(data: bytes, buffer_size: int) -> Optional[str]:
    """Why the 4-byte header alone refuses the packet (the master's order of checks), or None."""
    if data[0] != 0 and data[0] != 30:
        return f"unavailable modifier requested: {data[0]}"
    size = data[1] | (data[2] << 8)
    if size > buffer_size:
        return f"uwsgi block size: {size} (expected: <= {buffer_size})"
    return None


_log_lock = threading.Lock()


def log_line(text: str) -> None:
    """One whole line on stderr: slot threads write concurrently, and print() writes the text and
    its newline separately, so two lines could merge."""
    with _log_lock:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def decode_packet(data: bytes, local: Callable[[], tuple[str, str]], peer: str,
                  base: dict[str, Any]) -> tuple[dict[str, Any], int, str]:
    """(environ, body length, status-line prefix) of the whole header + vars in ``data``. The
    environ holds ``base`` too (its entries win over the packet's); the caller sets wsgi.input."""
    mod1 = data[0]
    if mod1 != 0 and mod1 != 30:
        raise PacketError(f"unavailable modifier requested: {mod1}")
    end = 4 + (data[1] | (data[2] << 8))
    # One decode of header and vars: latin-1 maps byte i to character i, so the offsets of
    # ``data`` index ``text`` too, and each key and value is a plain str slice.
    text = (data if len(data) == end else data[:end]).decode("latin-1")
    template = _current  # read once: another slot thread may adopt a new template meanwhile
    env = _by_template(template, base, data, text, end) if end <= _FAST_LIMIT else None
    if env is None:
        env = _decode_vars(data, text, end)
        _complete(env, _Facts(env), mod1, local, peer)
    elif not (template.facts.plain and mod1 == 0):
        _complete(env, template.facts, mod1, local, peer)
    # else a proxy's usual packet: nothing to drop, look up or strip, and the copy its vars were
    # decoded into already holds the empty defaults and wsgi.url_scheme.
    env.update(base)  # the worker's own entries win over packet vars of the same name
    cl = env.get("CONTENT_LENGTH")
    return env, _content_length(cl) if cl else 0, _PREFIXES.get(env.get("SERVER_PROTOCOL", ""), "HTTP/1.0 ")


def _complete(env: dict[str, Any], facts: _Facts, mod1: int, local: Callable[[], tuple[str, str]],
              peer: str) -> None:
    """The magic vars dropped, modifier 30's SCRIPT_NAME stripped, the defaults and the scheme."""
    if facts.magic:
        for name in _MAGIC:
            if name in env:
                del env[name]
                _dropped(name)
    if mod1 == 30:
        path = env.get("PATH_INFO")
        script = env.get("SCRIPT_NAME")
        if path is not None and script and path.startswith(script):
            env["PATH_INFO"] = path[len(script) :]
    for name in facts.empty_defaults:
        env[name] = ""
    if facts.local:
        name, port = local()
        env.setdefault("SERVER_NAME", name)
        env.setdefault("SERVER_PORT", port)
    if facts.peer:
        env["REMOTE_ADDR"] = peer
    env["wsgi.url_scheme"] = "https" if facts.scheme and _is_https(env) else "http"


def _content_length(value: str) -> int:
    """The body length CONTENT_LENGTH announces: its leading digits, as the master reads it."""
    digits = value if value.isdigit() and value.isascii() else _LEADING_DIGITS.match(value).group()  # type: ignore[union-attr]
    if not digits:
        return 0
    if len(digits) > 19 or int(digits) > _LONG_MAX:
        raise PacketError(f"content length: over {_LONG_MAX}")
    return int(digits)


# Keys decode_packet or its caller set itself: a template with one of them is never plain.
_OWN_KEYS = ("wsgi.url_scheme", "wsgi.input")


class _Facts:
    """What a key set implies for the defaults decode_packet adds, worked out once per template."""

    __slots__ = ("magic", "empty_defaults", "local", "peer", "scheme", "plain")

    def __init__(self, keys: Any) -> None:
        self.magic = any(name in keys for name in _MAGIC)
        self.empty_defaults = tuple(name for name in ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING") if name not in keys)
        self.local = "SERVER_NAME" not in keys or "SERVER_PORT" not in keys
        self.peer = "REMOTE_ADDR" not in keys
        self.scheme = "HTTPS" in keys or "UWSGI_SCHEME" in keys
        own = any(name in keys for name in _OWN_KEYS)
        # Nothing to drop, look up or work out per packet; the empty defaults (nginx sends no
        # SCRIPT_NAME) are constants of the template's environ.
        self.plain = not (self.magic or self.local or self.peer or self.scheme or own)


class _Template:
    """The vars of the last packets, in order: a proxy sends the same keys in the same order
    request after request, and many of the same values (server name and port, document root,
    scheme, a client's usual headers). For each var, ``last`` holds

        (raw, raw size, value, key)

    ``raw`` the whole var (lengths, key, value) as last seen at its place and ``value`` its
    decoded value, and ``places`` holds (prefix, step): the key's length bytes and key, and the
    distance from them to the value (past its length bytes). A var that repeats exactly costs
    one comparison, another one a slice. Interned keys make the app's environ lookups
    ("PATH_INFO" in Werkzeug or Django) hit by identity, which is measurably faster than
    comparing equal strings.

    Its packets decode into a copy of a dict that already holds every key the environ will
    have: the copy is sized once, and no store makes it grow."""

    __slots__ = ("last", "places", "facts", "_filled")

    def __init__(self, last: list[tuple[bytes, int, str, str]], places: list[tuple[bytes, int]],
                 facts: _Facts) -> None:
        self.last = last
        self.places = places
        self.facts = facts
        self._filled: tuple[Optional[dict[str, Any]], dict[str, Any]] = (None, {})

    def empty_env(self, base: dict[str, Any]) -> dict[str, Any]:
        """A fresh dict to decode into, holding every key the environ will have: the template's
        (values to be overwritten), the empty defaults, the scheme, ``base``'s, wsgi.input's."""
        filled = self._filled  # one tuple, so that threads never see a base with another's dict
        if filled[0] is not base:
            env: dict[str, Any] = dict.fromkeys([entry[3] for entry in self.last], "")
            for name in self.facts.empty_defaults:
                env[name] = ""
            env["wsgi.url_scheme"] = "http"
            env.update(base)
            env["wsgi.input"] = None
            filled = (base, env)
            self._filled = filled
        return filled[1].copy()


_current = _Template([], [], _Facts(()))
_template_misses = 0
_intern = sys.intern


def _by_template(template: _Template, base: dict[str, Any], data: bytes, text: str,
                 end: int) -> Optional[dict[str, Any]]:
    """The vars when the packet has exactly the template's keys, else None. Checks nothing
    else per var: a length that overruns the block moves pos past its end for good."""
    global _template_misses
    last = template.last
    if last:
        env = template.empty_env(base)
        pos = 4
        starts = data.startswith
        try:
            for index, (raw, raw_size, value, key) in enumerate(last):
                if starts(raw, pos):
                    env[key] = value
                    pos += raw_size
                    continue
                prefix, step = template.places[index]
                if not starts(prefix, pos):
                    break
                start = pos + step
                stop = start + (data[start - 2] | (data[start - 1] << 8))
                value = text[start:stop]
                env[key] = value
                if stop <= end:  # only a whole var may stand for its bytes later
                    # One store of a whole entry: slot threads share the template.
                    last[index] = (data[pos:stop], stop - pos, value, key)
                pos = stop
            else:
                if pos == end:
                    _template_misses = 0
                    return env
        except IndexError:
            pass
    _template_misses += 1
    return None


def _decode_vars(data: bytes, text: str, end: int) -> dict[str, Any]:
    """The vars of a packet the template does not fit; becomes the template after a few misses
    in a row (a new proxy configuration), when it is valid and small."""
    global _current
    env: dict[str, Any] = {}
    pos = 4
    keys: list[tuple[bytes, int, str, str]] = []
    places: list[tuple[bytes, int]] = []
    if end <= _FAST_LIMIT:
        try:
            # No check per var, as above; every defect is visible once the loop is over. A
            # block this small cannot hold more than MAX_VARS vars (5 bytes each at least).
            while pos < end:
                start = pos
                key = pos + 2
                pos = key + (data[pos] | (data[pos + 1] << 8))
                name = _intern(text[key:pos])
                value = pos + 2
                stop = value + (data[pos] | (data[pos + 1] << 8))
                text_value = text[value:stop]
                env[name] = text_value
                keys.append((data[start:stop], stop - start, text_value, name))
                places.append((data[start:pos], pos - start + 2))
                pos = stop
        except IndexError:
            pos = -1
    if pos != end or "" in env or len(env) != len(keys):
        return _decode_checked(data, text, end)  # raises PacketError with the exact defect
    if _template_misses >= _TEMPLATE_PATIENCE or not _current.last:
        _current = _Template(keys, places, _Facts(env))
    return env


_TEMPLATE_PATIENCE = 3


def _decode_checked(data: bytes, text: str, end: int) -> dict[str, Any]:
    """The vars, validated one by one (the master's rules): the path for packets the fast loop
    finds anything odd in, which then fail with the precise reason or decode correctly."""
    env: dict[str, Any] = {}
    pos = 4
    count = 0
    while pos < end:
        count += 1
        if count > MAX_VARS:
            raise PacketError(f"uwsgi vars: more than {MAX_VARS} (expected: <= {MAX_VARS})")
        if end - pos < 2:
            raise PacketError(f"key length: truncated at var {count} (expected: 2 bytes, {end - pos} left in the block)")
        klen = data[pos] | (data[pos + 1] << 8)
        pos += 2
        if klen == 0:
            raise PacketError("key length: 0 (expected: > 0)")
        if klen > end - pos:
            raise PacketError(f"key length: {klen} at var {count} (expected: <= {end - pos} left in the block)")
        key = text[pos : pos + klen]
        pos += klen
        if end - pos < 2:
            raise PacketError(f"value length: truncated at var {count} (expected: 2 bytes, {end - pos} left in the block)")
        vlen = data[pos] | (data[pos + 1] << 8)
        pos += 2
        if vlen > end - pos:
            raise PacketError(f"value length: {vlen} at var {count} (expected: <= {end - pos} left in the block)")
        if key != "REMOTE_ADDR" or key not in env:  # the first REMOTE_ADDR (the proxy's) wins
            env[key] = text[pos : pos + vlen]
        pos += vlen
    return env


def unmapped(address: str) -> str:
    """An IPv4 client of a dual-stack listener as the master names it: 127.0.0.1, not ::ffff:127.0.0.1."""
    if address.startswith("::ffff:") and "." in address:
        return address[7:]
    return address


REMOTE_ADDR_VAR = b"\x0b\x00REMOTE_ADDR"


def with_var(packet: bytes, key: bytes, value: bytes) -> bytes:
    """``packet`` with one more var, so that the master's log line names the TCP peer as it
    does for a relayed request that came without REMOTE_ADDR."""
    size = (packet[1] | (packet[2] << 8)) + 4 + len(key) + len(value)
    if size > 0xFFFF:
        return packet
    var = struct.pack("<H", len(key)) + key + struct.pack("<H", len(value)) + value
    return bytes([packet[0], size & 0xFF, size >> 8, packet[3]]) + packet[4:] + var


def _is_https(env: dict[str, Any]) -> bool:
    scheme = env.get("UWSGI_SCHEME")
    if scheme is not None:
        lower = scheme.lower()
        if lower == "https":
            return True
        if lower == "http":
            return False
    https = env.get("HTTPS")
    return https is not None and (https.lower() == "on" or https == "1")


_dropped_warned = False


def _dropped(name: str) -> None:
    global _dropped_warned
    if not _dropped_warned:
        _dropped_warned = True
        log_line(f"ignored uWSGI magic variables [{name}] (they would let a client load code; see docs/differences.md)")
