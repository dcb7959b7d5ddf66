"""Frames of the master <-> Python channel: constants, a sans-IO reader, encoders.

The contract is docs/worker-protocol.md; this module is its Python half.  Every
message in both directions is one frame::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +---------------------------------------------------------------+
    |                 payload length (u32, little-endian)           |
    +---------------+-----------------------------------------------+
    |     type      |  payload (length bytes) ...                   |
    +---------------+-----------------------------------------------+

``length`` counts the payload only and is at most 16 MiB; a bigger length or an
unknown type is a protocol error.  All integers are little-endian.

HELLO (0x01), the first frame on every connection (49 bytes of payload)::

    +----------------+------+--------------+--------------+------------+-----------+
    | token 32 bytes | role | generation   | worker_id    | slot       | pid       |
    | ASCII hex      | u8   | u32          | u32          | u32        | u32       |
    +----------------+------+--------------+--------------+------------+-----------+

RESPONSE_HEAD (0x20)::

    +------------+-------+----------+--------------------+------------------------+
    | status u16 | flags | reserved | content_length i64 | head block (latin-1)   |
    |            | u8    | u8 (0)   | -1 = none          | "200 OK\\r\\nName: v\\r\\n"|
    +------------+-------+----------+--------------------+------------------------+

Worked example, a hello response as the worker writes it in one ``sendall``::

    41 00 00 00 20                             RESPONSE_HEAD, 65-byte payload
      c8 00 00 00 02 00 00 00 00 00 00 00      status 200, flags 0, CL 2
      "200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 2\\r\\n"
    02 00 00 00 21 68 69                       RESPONSE_BODY "hi"
    01 00 00 00 22 00                          RESPONSE_END ok

The other payloads are small fixed structs (see the ``encode_*`` functions and
the table in the spec).  Nothing here touches a socket.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from .errors import ProtocolError

HEADER = struct.Struct("<IB")
HEADER_SIZE = HEADER.size
MAX_PAYLOAD = 16 * 1024 * 1024

HELLO = 0x01
REQUEST = 0x10
BODY = 0x11
BODY_END = 0x12
FILE_OPENED = 0x13
# master -> slot: the client of the current request has gone; stop streaming its response
ABORT = 0x14
# master -> slot: serve the app's uwsgi sockets directly (regent/direct.py); payload DIRECT_SETUP
DIRECT = 0x15
# master -> slot: stop accepting on the uwsgi sockets (graceful stop); relayed requests may still come
DIRECT_STOP = 0x16
RESPONSE_HEAD = 0x20
RESPONSE_BODY = 0x21
RESPONSE_END = 0x22
SENDFILE = 0x23
SPAWN = 0x30
SIGNAL = 0x31
SHUTDOWN = 0x32
SPAWN_MULE = 0x33
# master -> zygote, on a ROLE_LISTENERS connection: u32 count, then count descriptors (SCM_RIGHTS)
LISTENERS = 0x34
READY = 0x40
LOAD_FAILED = 0x41
SPAWNED = 0x42
EXITED = 0x43
LOG = 0x44
# The uwsgi API (regent/signals.py has the payloads).
REGISTER_SIGNAL = 0x50
ADD_TIMER = 0x51
ADD_CRON = 0x52
RAISE_SIGNAL = 0x53
MULE_MSG = 0x54
MULE_MESSAGE = 0x55
RUN_SIGNAL = 0x56
SIGNAL_DONE = 0x57
# Slot connection, worker -> master: uwsgi.set_user_harakiri for the slot's current job.
SET_HARAKIRI = 0x58
# Slot connection, worker -> master: a request served directly that the log rules want logged.
DIRECT_LOG = 0x59

FRAME_NAMES = {
    HELLO: "HELLO",
    REQUEST: "REQUEST",
    BODY: "BODY",
    BODY_END: "BODY_END",
    FILE_OPENED: "FILE_OPENED",
    ABORT: "ABORT",
    RESPONSE_HEAD: "RESPONSE_HEAD",
    RESPONSE_BODY: "RESPONSE_BODY",
    RESPONSE_END: "RESPONSE_END",
    SENDFILE: "SENDFILE",
    SPAWN: "SPAWN",
    SIGNAL: "SIGNAL",
    SHUTDOWN: "SHUTDOWN",
    READY: "READY",
    LOAD_FAILED: "LOAD_FAILED",
    SPAWNED: "SPAWNED",
    EXITED: "EXITED",
    LOG: "LOG",
    SPAWN_MULE: "SPAWN_MULE",
    REGISTER_SIGNAL: "REGISTER_SIGNAL",
    ADD_TIMER: "ADD_TIMER",
    ADD_CRON: "ADD_CRON",
    RAISE_SIGNAL: "RAISE_SIGNAL",
    MULE_MSG: "MULE_MSG",
    MULE_MESSAGE: "MULE_MESSAGE",
    RUN_SIGNAL: "RUN_SIGNAL",
    SIGNAL_DONE: "SIGNAL_DONE",
    SET_HARAKIRI: "SET_HARAKIRI",
    DIRECT: "DIRECT",
    DIRECT_STOP: "DIRECT_STOP",
    LISTENERS: "LISTENERS",
    DIRECT_LOG: "DIRECT_LOG",
}

ROLE_CONTROL = 1
ROLE_SLOT = 2
ROLE_MULE = 3
ROLE_API = 4
ROLE_LISTENERS = 5
# Zygote children with an id from here on are mules (id - MULE_ID_BASE) in SPAWNED/EXITED/LOG.
MULE_ID_BASE = 0x10000

# REQUEST flags
NO_BODY = 0x01
# RESPONSE_HEAD flags
CLOSE = 0x01
# LOG streams
STDOUT = 1
STDERR = 2

TOKEN_SIZE = 32

_HELLO = struct.Struct("<32sBIIII")
_HEAD = struct.Struct("<IBHBBq")  # frame header and the fixed part of RESPONSE_HEAD
HEAD_FIXED_SIZE = _HEAD.size - HEADER_SIZE
_SENDFILE = struct.Struct("<IBqq")
_U32 = struct.Struct("<I")
_SPAWNED = struct.Struct("<II")
_EXITED = struct.Struct("<IIi")
_LOG = struct.Struct("<IB")
_SIGNAL = struct.Struct("<IB")

RESPONSE_END_OK = HEADER.pack(1, RESPONSE_END) + b"\x00"
RESPONSE_END_FAILED = HEADER.pack(1, RESPONSE_END) + b"\x01"


class Frame(NamedTuple):
    type: int
    payload: bytes


def check_header(length: int, frame_type: int) -> None:
    """Reject a frame header before anything is allocated for its payload."""
    if length > MAX_PAYLOAD:
        raise ProtocolError(f"frame length: {length} (expected: <= {MAX_PAYLOAD})")
    if frame_type not in FRAME_NAMES:
        raise ProtocolError(f"frame type: 0x{frame_type:02x} (expected: a type from the spec)")


class FrameReader:
    """Incremental decoder: ``feed`` bytes as they arrive, get the complete frames.

    Partial frames stay buffered until the rest arrives.  After a ProtocolError
    the reader is unusable (the connection must be closed), so it keeps raising.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._failed: ProtocolError | None = None

    @property
    def buffered(self) -> int:
        """Bytes held that do not form a complete frame yet."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        if self._failed is not None:
            raise self._failed
        buf = self._buf
        buf += data
        frames: list[Frame] = []
        pos = 0
        end = len(buf)
        while end - pos >= HEADER_SIZE:
            length, frame_type = HEADER.unpack_from(buf, pos)
            try:
                check_header(length, frame_type)
            except ProtocolError as exc:
                self._failed = exc
                del buf[:]
                raise
            stop = pos + HEADER_SIZE + length
            if stop > end:
                break
            frames.append(Frame(frame_type, bytes(buf[pos + HEADER_SIZE : stop])))
            pos = stop
        if pos:
            del buf[:pos]
        return frames


def encode_frame(frame_type: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload length: {len(payload)} (expected: <= {MAX_PAYLOAD})")
    return HEADER.pack(len(payload), frame_type) + payload


def encode_set_harakiri(seconds: int) -> bytes:
    """SET_HARAKIRI: u32 seconds from now (0 clears) for the job on this slot."""
    if not 0 <= seconds <= 0x7FFFFFFF:
        raise ValueError(f"harakiri seconds: {seconds} (expected: 0 to {0x7FFFFFFF})")
    return encode_frame(SET_HARAKIRI, struct.pack("<I", seconds))


# DIRECT payload: the slot's scoreboard cell and the master's limits and log rules.
DIRECT_SETUP = struct.Struct("<IIIIIQQ")
DIRECT_LOG_ALL = 0x01
DIRECT_LOG_4XX = 0x02
DIRECT_LOG_5XX = 0x04
DIRECT_LOG_ZERO = 0x08


class DirectSetup(NamedTuple):
    cell: int
    buffer_size: int
    socket_timeout_ms: int
    log_flags: int
    log_slow_ms: int
    log_big_bytes: int
    limit_post: int


def encode_direct(setup: DirectSetup) -> bytes:
    return encode_frame(DIRECT, DIRECT_SETUP.pack(*setup))


def decode_direct(payload: bytes) -> DirectSetup:
    if len(payload) != DIRECT_SETUP.size:
        raise ProtocolError(f"DIRECT payload: {len(payload)} bytes (expected: {DIRECT_SETUP.size})")
    return DirectSetup(*DIRECT_SETUP.unpack(payload))


# DIRECT_LOG payload: what the log line needs beyond the request packet, which follows as received.
DIRECT_LOG_HEAD = struct.Struct("<HHIQQQ")


def encode_direct_log(status: int, headers: int, head_bytes: int, body_bytes: int, nanos: int,
                      start_micros: int, packet: bytes) -> bytes:
    fixed = DIRECT_LOG_HEAD.pack(status, min(headers, 0xFFFF), min(head_bytes, 0xFFFFFFFF), body_bytes, nanos,
                                 start_micros)
    return encode_frame(DIRECT_LOG, fixed + packet)


def decode_set_harakiri(payload: bytes) -> int:
    if len(payload) != 4:
        raise ProtocolError(f"SET_HARAKIRI payload: {len(payload)} bytes (expected: 4)")
    return int(struct.unpack("<I", payload)[0])


def encode_hello(token: str, role: int, generation: int, worker_id: int, slot: int, pid: int) -> bytes:
    raw = token.encode("ascii")
    if len(raw) != TOKEN_SIZE:
        raise ValueError(f"token length: {len(raw)} (expected: {TOKEN_SIZE})")
    return encode_frame(HELLO, _HELLO.pack(raw, role, generation, worker_id, slot, pid))


class Hello(NamedTuple):
    token: str
    role: int
    generation: int
    worker_id: int
    slot: int
    pid: int


def decode_hello(payload: bytes) -> Hello:
    if len(payload) != _HELLO.size:
        raise ProtocolError(f"HELLO length: {len(payload)} (expected: {_HELLO.size})")
    token, role, generation, worker_id, slot, pid = _HELLO.unpack(payload)
    return Hello(token.decode("ascii", "replace"), role, generation, worker_id, slot, pid)


def encode_response_head(status: int, flags: int, content_length: int, block: bytes) -> bytes:
    """RESPONSE_HEAD for a head block that is already latin-1 and CRLF-terminated."""
    return _HEAD.pack(HEAD_FIXED_SIZE + len(block), RESPONSE_HEAD, status, flags, 0, content_length) + block


class ResponseHead(NamedTuple):
    status: int
    flags: int
    content_length: int
    block: bytes


def decode_response_head(payload: bytes) -> ResponseHead:
    if len(payload) < HEAD_FIXED_SIZE:
        raise ProtocolError(f"RESPONSE_HEAD length: {len(payload)} (expected: >= {HEAD_FIXED_SIZE})")
    status, flags, _reserved, content_length = struct.unpack_from("<HBBq", payload)
    return ResponseHead(status, flags, content_length, payload[HEAD_FIXED_SIZE:])


def encode_response_body(data: bytes) -> bytes:
    if not data:
        raise ValueError("RESPONSE_BODY payload: empty (expected: at least one byte)")
    return encode_frame(RESPONSE_BODY, data)


def encode_response_end(failed: bool = False) -> bytes:
    return RESPONSE_END_FAILED if failed else RESPONSE_END_OK


def encode_sendfile(offset: int, count: int, path: bytes) -> bytes:
    return _SENDFILE.pack(16 + len(path), SENDFILE, offset, count) + path


def decode_sendfile(payload: bytes) -> tuple[int, int, bytes]:
    if len(payload) < 16:
        raise ProtocolError(f"SENDFILE length: {len(payload)} (expected: >= 16)")
    offset, count = struct.unpack_from("<qq", payload)
    return offset, count, payload[16:]


def encode_ready(description: str) -> bytes:
    return encode_frame(READY, description.encode("utf-8", "replace"))


def encode_load_failed(traceback_text: str) -> bytes:
    return encode_frame(LOAD_FAILED, traceback_text.encode("utf-8", "replace"))


def encode_spawned(worker_id: int, pid: int) -> bytes:
    return encode_frame(SPAWNED, _SPAWNED.pack(worker_id, pid))


def decode_spawned(payload: bytes) -> tuple[int, int]:
    worker_id, pid = _SPAWNED.unpack(payload)
    return worker_id, pid


def encode_exited(worker_id: int, pid: int, status: int) -> bytes:
    return encode_frame(EXITED, _EXITED.pack(worker_id, pid, status))


def decode_exited(payload: bytes) -> tuple[int, int, int]:
    worker_id, pid, status = _EXITED.unpack(payload)
    return worker_id, pid, status


def encode_log(worker_id: int, stream: int, line: bytes) -> bytes:
    """LOG for one line (no newline); the caller guarantees valid UTF-8."""
    return encode_frame(LOG, _LOG.pack(worker_id, stream) + line)


def decode_log(payload: bytes) -> tuple[int, int, bytes]:
    worker_id, stream = _LOG.unpack_from(payload)
    return worker_id, stream, payload[_LOG.size :]


# Master -> Python frames.  The Python side only decodes these; the encoders
# exist for tests and tools that play the master.


def encode_request(flags: int, environ: bytes) -> bytes:
    return encode_frame(REQUEST, bytes((flags,)) + environ)


def encode_body(data: bytes) -> bytes:
    return encode_frame(BODY, data)


def encode_body_end(aborted: bool = False) -> bytes:
    return encode_frame(BODY_END, b"\x01" if aborted else b"\x00")


def encode_file_opened(failed: bool = False) -> bytes:
    return encode_frame(FILE_OPENED, b"\x01" if failed else b"\x00")


def encode_spawn(worker_id: int) -> bytes:
    return encode_frame(SPAWN, _U32.pack(worker_id))


def decode_spawn(payload: bytes) -> int:
    if len(payload) != 4:
        raise ProtocolError(f"SPAWN length: {len(payload)} (expected: 4)")
    (worker_id,) = _U32.unpack(payload)
    return int(worker_id)


def encode_signal(pid: int, signum: int) -> bytes:
    return encode_frame(SIGNAL, _SIGNAL.pack(pid, signum))


def decode_signal(payload: bytes) -> tuple[int, int]:
    if len(payload) != _SIGNAL.size:
        raise ProtocolError(f"SIGNAL length: {len(payload)} (expected: {_SIGNAL.size})")
    pid, signum = _SIGNAL.unpack(payload)
    return pid, signum


def encode_shutdown(kill: bool = False) -> bytes:
    return encode_frame(SHUTDOWN, b"\x01" if kill else b"\x00")


def decode_status_byte(frame_type: int, payload: bytes) -> int:
    """The single ``u8 status`` of BODY_END, FILE_OPENED, RESPONSE_END, SHUTDOWN."""
    if len(payload) != 1:
        raise ProtocolError(f"{FRAME_NAMES[frame_type]} length: {len(payload)} (expected: 1)")
    return payload[0]


def encode_environ(environ: dict[str, str]) -> bytes:
    """Marshal a CGI environ with exactly the codes the master uses ({ z a 0).

    Values are native strings whose code points are all below 256 (PEP 3333);
    each becomes one byte, which is how the master writes raw header bytes.
    """
    out = bytearray(b"{")
    for key, value in environ.items():
        for text in (key, value):
            raw = text.encode("latin-1")
            if len(raw) < 256:
                out += b"z" + bytes((len(raw),)) + raw
            else:
                out += b"a" + _U32.pack(len(raw)) + raw
    out += b"0"
    return bytes(out)
