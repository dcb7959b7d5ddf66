"""PEP 3333 on one slot connection: environ, wsgi.input, start_response, the response.

Call order on a slot (one request at a time)::

    REQUEST -> [BODY ...] BODY_END      master -> slot (no body frames with NO_BODY)
    app(environ, start_response)         wsgi.input pulls BODY frames lazily
    RESPONSE_HEAD [RESPONSE_BODY | SENDFILE ...] RESPONSE_END       slot -> master
    discard BODY frames up to BODY_END   so the next REQUEST starts on a frame boundary

This is the per-request hot path: objects that do not depend on the request are
built once per slot, and a one-chunk list response leaves in a single ``sendall``.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import threading
import time
import traceback
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Tuple, Type

from .channel import Channel
from .errors import ProtocolError
from .protocol import (
    ABORT,
    BODY,
    BODY_END,
    CLOSE,
    DIRECT,
    FILE_OPENED,
    HEADER,
    MAX_PAYLOAD,
    NO_BODY,
    REQUEST,
    RESPONSE_BODY,
    RESPONSE_END_FAILED,
    RESPONSE_END_OK,
    decode_direct,
    decode_status_byte,
    encode_response_head,
    encode_sendfile,
)

ExcInfo = Tuple[Type[BaseException], BaseException, Any]
WriteCallable = Callable[[bytes], None]
StartResponse = Callable[..., WriteCallable]
WSGIApp = Callable[[Dict[str, Any], StartResponse], Iterable[bytes]]

# Bodies up to this size are copied next to their frame header so that one
# sendall carries both; bigger ones go out as header + the caller's buffer.
_COALESCE_LIMIT = 64 * 1024

_BODY_HEADER = HEADER.pack
_loads = marshal.loads

_ERROR_BODY = b"Internal Server Error\n"
_ERROR_RESPONSE = (
    encode_response_head(
        500,
        0,
        len(_ERROR_BODY),
        b"500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n" % len(_ERROR_BODY),
    )
    + _BODY_HEADER(len(_ERROR_BODY), RESPONSE_BODY)
    + _ERROR_BODY
    + RESPONSE_END_OK
)

# Header name -> how the head builder treats it.  Names repeat across requests,
# so validating each spelling once and caching the verdict keeps the loop cheap.
_PLAIN = 0
_CONTENT_LENGTH = 1
_CONNECTION = 2
_HOP_BY_HOP = 3
_HOP_BY_HOP_NAMES = frozenset(
    ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection")
)
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_CACHE_LIMIT = 4096
_name_kinds: dict[str, int] = {}


def _header_kind(name: str) -> int:
    kind = _name_kinds.get(name)
    if kind is not None:
        return kind
    if type(name) is not str:
        raise TypeError(f"header name: {type(name).__name__} (expected: str)")
    if not name or not _TOKEN_CHARS.issuperset(name):
        raise ValueError(f"header name: {name!r} (expected: an HTTP token)")
    lower = name.lower()
    if lower == "content-length":
        kind = _CONTENT_LENGTH
    elif lower == "connection":
        kind = _CONNECTION
    elif lower in _HOP_BY_HOP_NAMES:
        kind = _HOP_BY_HOP
    else:
        kind = _PLAIN
    if len(_name_kinds) < _NAME_CACHE_LIMIT:
        _name_kinds[name] = kind
    return kind


_STATUS_CACHE_LIMIT = 1024
_status_codes: dict[str, int] = {}


def _status_code(status: str) -> int:
    if type(status) is not str:
        raise TypeError(f"status: {type(status).__name__} (expected: str)")
    digits = status[:3]
    if len(status) < 4 or status[3] != " " or not digits.isdigit() or not digits.isascii():
        raise ValueError(f"status: {status!r} (expected: '<3 digits> <reason>')")
    if "\r" in status or "\n" in status:
        raise ValueError(f"status: {status!r} (expected: no CR or LF)")
    code = int(digits)
    if len(_status_codes) < _STATUS_CACHE_LIMIT:
        _status_codes[status] = code
    return code


def build_head(status: str, headers: list[tuple[str, str]]) -> bytes:
    """Validate what the app gave start_response and encode the RESPONSE_HEAD frame.

    Raises TypeError/ValueError for anything PEP 3333 or HTTP forbids, while the
    app is still running, so that the error takes the normal app-error path.
    """
    code, flags, content_length, block = check_head(status, headers)
    return encode_response_head(code, flags, content_length, block.encode("latin-1"))


def check_head(status: str, headers: list[tuple[str, str]]) -> tuple[int, int, int, str]:
    """(status code, flags, Content-Length or -1, head block) for a valid head; the block is the
    status and the fields without hop-by-hop ones, each line ending in CRLF."""
    code = _status_codes.get(status)
    if code is None:
        code = _status_code(status)
    if type(headers) is not list:
        raise TypeError(f"headers: {type(headers).__name__} (expected: list)")
    flags = 0
    content_length = -1
    lines = [status]
    append = lines.append
    kinds = _name_kinds
    for name, value in headers:
        kind = kinds.get(name)
        if kind is None:
            kind = _header_kind(name)
        if type(value) is not str:
            raise TypeError(f"header value: {type(value).__name__} (expected: str)")
        if kind:
            if kind == _CONTENT_LENGTH:
                if content_length == -1 and value.isdigit() and value.isascii():
                    content_length = int(value)
                else:
                    content_length = _parse_content_length(value, content_length)
            else:
                if kind == _CONNECTION and "close" in (t.strip().lower() for t in value.split(",")):
                    flags |= CLOSE
                continue
        append(f"{name}: {value}")
    append("")
    block = "\r\n".join(lines)
    # Every CR and LF must be one of the separators just added: none may come
    # from the app, or it could inject headers.
    separators = len(lines) - 1
    if block.count("\n") != separators or block.count("\r") != separators:
        raise ValueError("header value: contains CR or LF (expected: none)")
    return code, flags, content_length, block


def check_restart(exc_info: Optional[ExcInfo], sent: bool, started: bool) -> None:
    """PEP 3333's rule for a second start_response: only with exc_info, and only before the
    head has been sent (after that, the app's exception is re-raised)."""
    if exc_info is not None:
        try:
            if sent:
                raise exc_info[1].with_traceback(exc_info[2])
        finally:
            exc_info = None
    elif started:
        raise RuntimeError("start_response called a second time without exc_info")


def _parse_content_length(value: str, previous: int) -> int:
    text = value.strip()
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"Content-Length: {value!r} (expected: a non-negative integer)")
    length = int(text)
    if previous not in (-1, length):
        raise ValueError(f"Content-Length: {value!r} (expected: one value, got {previous} too)")
    return length


def _no_hook() -> None:
    pass


# Set by the uwsgi API (regent/api.py) in workers: request counters, per-request log variables.
on_request: Callable[[], None] = _no_hook
# Frames other than REQUEST on an idle slot (RUN_SIGNAL from the master), handled by regent/signals.py.
on_idle_frame: Optional[Callable[[Channel, int, bytes], None]] = None


# The slot connection of the thread serving it (None elsewhere): uwsgi.set_user_harakiri
# sends its frame there, since the master times harakiri per slot.
current_slot = threading.local()


class ClientGone(Exception):
    """The master sent ABORT: the client of the response being streamed has gone."""


# How often a streaming response looks for ABORT (seconds).
_ABORT_CHECK_INTERVAL = 0.05
_monotonic = time.monotonic


class InputStream:
    """``wsgi.input``: reads BODY frames only when the app asks for bytes.

    Reads return exactly the requested size unless the body ends first, as a
    buffered file would; frame boundaries are invisible to the app.
    """

    __slots__ = ("_channel", "_buf", "_pos", "_open", "_aborted")

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._buf = b""
        self._pos = 0
        self._open = True
        self._aborted = False

    def _fill(self) -> bool:
        """Load the next non-empty BODY frame; False at the end of the body."""
        while self._open:
            frame_type, payload = self._channel.read_frame()
            if frame_type == BODY:
                if payload:
                    self._buf = payload
                    self._pos = 0
                    return True
            elif frame_type == BODY_END:
                self._open = False
                self._aborted = decode_status_byte(BODY_END, payload) != 0
            else:
                raise ProtocolError(f"frame type: 0x{frame_type:02x} (expected: BODY or BODY_END)")
        if self._aborted:
            raise OSError("request body aborted (client gone or broken body)")
        return False

    def read(self, size: Optional[int] = -1) -> bytes:
        if size is None or size < 0:
            return self._read_all()
        chunks: list[bytes] = []
        while size > 0:
            pos = self._pos
            avail = len(self._buf) - pos
            if avail == 0:
                if not self._fill():
                    break
                continue
            if avail >= size and not chunks:
                self._pos = pos + size
                return self._buf[pos : pos + size]
            take = min(avail, size)
            chunks.append(self._buf[pos : pos + take])
            self._pos = pos + take
            size -= take
        return b"".join(chunks)

    def _read_all(self) -> bytes:
        chunks = [self._buf[self._pos :]]
        self._buf = b""
        self._pos = 0
        while self._fill():
            chunks.append(self._buf)
            self._buf = b""
        return b"".join(chunks)

    def readline(self, limit: Optional[int] = -1) -> bytes:
        if limit is None or limit < 0:
            limit = sys.maxsize
        chunks: list[bytes] = []
        while limit > 0:
            pos = self._pos
            buf = self._buf
            if pos == len(buf):
                if not self._fill():
                    break
                continue
            end = buf.find(b"\n", pos, pos + limit)
            if end >= 0:
                end += 1
            else:
                end = min(len(buf), pos + limit)
            chunks.append(buf[pos:end])
            self._pos = end
            limit -= end - pos
            if buf[end - 1 : end] == b"\n":
                break
        return b"".join(chunks)

    def readlines(self, hint: Optional[int] = -1) -> list[bytes]:
        lines: list[bytes] = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def is_open(self) -> bool:
        """True while BODY frames may still arrive."""
        return self._open

    def drain(self) -> None:
        """Discard the rest of the body so the slot is at a frame boundary."""
        self._buf = b""
        self._pos = 0
        while self._open:
            self.discard(*self._channel.read_frame())

    def discard(self, frame_type: int, payload: bytes) -> None:
        """Account for a body frame read by someone else (the SENDFILE wait)."""
        if not self._open:
            raise ProtocolError(f"frame type: 0x{frame_type:02x} after BODY_END (expected: FILE_OPENED)")
        if frame_type == BODY_END:
            self._open = False
            self._aborted = decode_status_byte(BODY_END, payload) != 0
        elif frame_type != BODY:
            raise ProtocolError(f"frame type: 0x{frame_type:02x} (expected: BODY or BODY_END)")


class EmptyInput(InputStream):
    """``wsgi.input`` of a NO_BODY request: stateless, so one instance serves all."""

    __slots__ = ()

    def __init__(self) -> None:
        self._buf = b""
        self._pos = 0
        self._open = False
        self._aborted = False

    def read(self, size: Optional[int] = -1) -> bytes:
        return b""

    def readline(self, limit: Optional[int] = -1) -> bytes:
        return b""

    def drain(self) -> None:
        pass


EMPTY_INPUT = EmptyInput()


class FileWrapper:
    """``wsgi.file_wrapper``: iterable over a file; real files go out via SENDFILE.

    ``length`` (an extension) limits the response to that many bytes from the
    file's current position.
    """

    def __init__(self, filelike: Any, blksize: int = 8192, length: Optional[int] = None) -> None:
        self.filelike = filelike
        self.blksize = blksize
        self.remaining = length

    def __iter__(self) -> FileWrapper:
        return self

    def __next__(self) -> bytes:
        size = self.blksize
        if self.remaining is not None:
            if self.remaining <= 0:
                raise StopIteration
            size = min(size, self.remaining)
        data: bytes = self.filelike.read(size)
        if not data:
            raise StopIteration
        if self.remaining is not None:
            self.remaining -= len(data)
        return data

    def close(self) -> None:
        close = getattr(self.filelike, "close", None)
        if close is not None:
            close()

    def sendfile_source(self) -> Optional[tuple[int, int, int]]:
        """(fd, offset, count) when the master can stream the file itself."""
        try:
            fd = self.filelike.fileno()
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            offset = self.filelike.tell()
        except (AttributeError, OSError, ValueError):
            return None
        count = -1 if self.remaining is None else max(self.remaining, 0)
        return fd, offset, count


class SlotHandler:
    """Serves requests from one slot connection until the master closes it."""

    def __init__(self, channel: Channel, app: WSGIApp, base_environ: dict[str, Any]) -> None:
        self.channel = channel
        self.app = app
        self.base_environ = base_environ
        self._pid_prefix = b"/proc/%d/fd/" % os.getpid()
        self._start_response: StartResponse = self.start_response
        self._write: WriteCallable = self.write
        self._input: InputStream = EMPTY_INPUT
        self._head: Optional[bytes] = None
        self._sent = False
        self._ended = False

    def serve(self) -> None:
        """Loop over requests; returns only by raising ChannelError (EOF included)."""
        read_frame = self.channel.read_frame
        current_slot.channel = self.channel
        while True:
            frame_type, payload = read_frame()
            if frame_type != REQUEST:
                if frame_type == ABORT:
                    # The response it was meant to stop had already ended.
                    continue
                if frame_type == DIRECT:
                    from . import direct

                    direct.DirectSlot(self, decode_direct(payload)).serve()
                    continue
                if on_idle_frame is None:
                    raise ProtocolError(f"frame type: 0x{frame_type:02x} (expected: REQUEST)")
                on_idle_frame(self.channel, frame_type, payload)
                continue
            self.handle(payload)

    def handle(self, payload: bytes) -> None:
        on_request()
        try:
            environ = _loads(payload[1:])  # a slice copy is cheaper than a memoryview here
        except (ValueError, EOFError, TypeError, IndexError) as exc:
            raise ProtocolError(f"REQUEST environ: {exc} (expected: a marshal dict)") from None
        if type(environ) is not dict:
            raise ProtocolError(f"REQUEST environ: {type(environ).__name__} (expected: a marshal dict)")
        environ.update(self.base_environ)
        if payload[0] & NO_BODY:
            self._input = EMPTY_INPUT
        else:
            self._input = InputStream(self.channel)
        environ["wsgi.input"] = self._input
        self._head = None
        self._sent = False
        self._ended = False
        try:
            result = self.app(environ, self._start_response)
            if type(result) is list:  # no close() to call
                self._respond(result)
            else:
                try:
                    self._respond(result)
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
            if not self._ended:
                if self._sent:
                    self.channel.send(RESPONSE_END_OK)
                else:
                    self._send_bodyless()
        except ClientGone:
            self.channel.read_frame()  # the ABORT itself
            if not self._ended:
                self._ended = True
                self.channel.send(RESPONSE_END_FAILED)
        except Exception:
            self._fail(environ)
        if self._input is not EMPTY_INPUT:
            self._input.drain()
            self._input = EMPTY_INPUT

    def _send_bodyless(self) -> None:
        head = self._head
        if head is None:
            raise RuntimeError("the application returned without calling start_response")
        self._sent = self._ended = True
        self.channel.send(head + RESPONSE_END_OK)

    def _respond(self, result: Iterable[bytes]) -> None:
        if type(result) is list and len(result) == 1 and self._head is not None and not self._sent:
            data = result[0]
            if type(data) is bytes and 0 < len(data) <= _COALESCE_LIMIT:
                self._sent = self._ended = True
                self.channel.send(self._head + _BODY_HEADER(len(data), RESPONSE_BODY) + data + RESPONSE_END_OK)
                return
        if type(result) is FileWrapper and self._head is not None and self._sendfile(result):
            return
        send_body = self._send_body
        check_at = _monotonic() + _ABORT_CHECK_INTERVAL
        for data in result:
            if type(data) is not bytes:
                raise TypeError(f"response body item: {type(data).__name__} (expected: bytes)")
            if data:
                send_body(data)
                # A long stream to a client that has gone would hold this thread
                # until the app's iterator ends: look for the master's ABORT now
                # and then (a non-blocking recv), once the request body is over.
                if _monotonic() >= check_at and not self._input.is_open():
                    check_at = _monotonic() + _ABORT_CHECK_INTERVAL
                    if self.channel.abort_pending():
                        raise ClientGone()
        if self._head is None:
            raise RuntimeError("the application returned without calling start_response")

    def _send_body(self, data: bytes) -> None:
        head = self._head
        if head is None:
            raise RuntimeError("response body before start_response")
        size = len(data)
        if size <= _COALESCE_LIMIT:
            frame = _BODY_HEADER(size, RESPONSE_BODY) + data
            if not self._sent:
                self._sent = True
                frame = head + frame
            self.channel.send(frame)
            return
        view = memoryview(data)
        for start in range(0, size, MAX_PAYLOAD):
            piece = view[start : start + MAX_PAYLOAD]
            header = _BODY_HEADER(len(piece), RESPONSE_BODY)
            if not self._sent:
                self._sent = True
                header = head + header
            self.channel.send(header)
            self.channel.send(piece)

    def _sendfile(self, wrapper: FileWrapper) -> bool:
        """Let the master stream the file; False means send it as body frames."""
        source = wrapper.sendfile_source()
        if source is None:
            return False
        fd, offset, count = source
        frame = encode_sendfile(offset, count, self._pid_prefix + b"%d" % fd)
        if not self._sent:
            assert self._head is not None
            self._sent = True
            frame = self._head + frame
        self.channel.send(frame)
        while True:
            frame_type, payload = self.channel.read_frame()
            if frame_type == FILE_OPENED:
                return decode_status_byte(FILE_OPENED, payload) == 0
            if frame_type == ABORT:
                continue  # the master drops the file itself
            # The body may still be streaming in while the app has already
            # answered; it is unread by now, so drop it.
            self._input.discard(frame_type, payload)

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Optional[ExcInfo] = None
    ) -> WriteCallable:
        check_restart(exc_info, self._sent, self._head is not None)
        self._head = build_head(status, headers)
        return self._write

    def write(self, data: bytes) -> None:
        if type(data) is not bytes:
            raise TypeError(f"write() argument: {type(data).__name__} (expected: bytes)")
        if data:
            self._send_body(data)

    def _fail(self, environ: dict[str, Any]) -> None:
        """App error: log it, then answer 500 or mark the started response as failed."""
        print(
            f"Error while handling {environ.get('REQUEST_METHOD')} {environ.get('REQUEST_URI')}:",
            file=sys.stderr,
        )
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        if self._ended:
            return
        self._ended = True
        if self._sent:
            self.channel.send(RESPONSE_END_FAILED)
        else:
            self._sent = True
            self.channel.send(_ERROR_RESPONSE)


def base_environ(processes: int, threads: int) -> dict[str, Any]:
    """The keys that are the same for every request of this worker."""
    return {
        "wsgi.version": (1, 0),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": threads > 1,
        "wsgi.multiprocess": processes > 1,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
    }
