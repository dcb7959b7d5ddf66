"""Direct uwsgi: a worker slot accepts on the app's uwsgi sockets and answers the proxy itself.

Behind nginx or Apache every request is a new connection.  Relayed through the master,
each one wakes four processes in turn (proxy, master, worker, master, proxy); served here
it wakes two, as with uWSGI, which is what decides throughput on a small machine (the
measurement is in docs/concurrency.md, "Direct uwsgi").  The master still owns the
sockets (it binds them, passes them to the zygote once, keeps them across reloads), picks
the slots that may accept (the DIRECT frame), times harakiri and writes the request log.

The request packet is decoded by regent/uwsgi_packet.py.

The answer is raw HTTP: ``SERVER_PROTOCOL`` (one of HTTP/1.0, 1.1, 2.0, 3.0, else
HTTP/1.0), the status, the app's fields, a blank line, the body; the connection's end
ends the body.

The slot's scoreboard cell, in a file the master maps too (64 bytes, little-endian;
written only by the slot's thread, read by the master's harakiri sweep and stats)::

    +--------------------+--------------------+--------------------+--------------------+
    | started u64        | requests u64       | harakiri u64       | tx u64             |
    | CLOCK_MONOTONIC ns | served directly    | deadline ns (user) | body bytes sent    |
    | 0 = idle           |                    | 0 = none           |                    |
    +--------------------+--------------------+--------------------+--------------------+
    | 2xx u64            | 3xx u64            | 4xx u64            | 5xx u64            |
    +--------------------+--------------------+--------------------+--------------------+
"""

from __future__ import annotations

import array
import itertools
import mmap
import os
import select
import socket
import _socket
import struct
import sys
import threading
import time
import traceback
from typing import Any, Iterable, Optional

from . import wsgi
from .channel import Channel
from .errors import ChannelClosed, ProtocolError
from .protocol import (
    ABORT,
    DIRECT_LOG_4XX,
    DIRECT_LOG_5XX,
    DIRECT_LOG_ALL,
    DIRECT_LOG_ZERO,
    DIRECT_STOP,
    HEADER,
    LISTENERS,
    REQUEST,
    ROLE_LISTENERS,
    DirectSetup,
    encode_direct_log,
    encode_hello,
)
from .uwsgi_packet import (
    REMOTE_ADDR_VAR,
    PacketError,
    decode_packet,
    header_error,
    log_line,
    unmapped,
    with_var,
)

_STREAM = socket.SOCK_STREAM
CELL_SIZE = 64
_U64 = struct.Struct("<Q")
_CELL = struct.Struct("<8Q")

# The listening sockets and the scoreboard, set in the zygote before any worker forks.
_listeners: list[socket.socket] = []
_board: Optional[mmap.mmap] = None

_BODY_READ = 64 * 1024
# A request body the app left unread is drained up to this much before closing, or the
# kernel would reset the connection and the proxy could lose the response.
_DRAIN_LIMIT = 4 * 1024 * 1024
_DONTWAIT = socket.MSG_DONTWAIT
_WAITALL = socket.MSG_WAITALL
# Writes up to this size fit in an empty socket buffer and never block, so they need no timeout.
_NO_TIMEOUT_WRITE = 64 * 1024
# Greedy accepts between two looks at the master's channel (signals, EOF), in seconds.
_CHANNEL_CHECK = 0.01


class _ClientGone(Exception):
    pass


def install(listeners: list[socket.socket], board: Optional[mmap.mmap]) -> None:
    global _listeners, _board
    _listeners = listeners
    _board = board


def forget() -> None:
    """Mules never accept: drop the inherited sockets."""
    global _listeners
    for sock in _listeners:
        sock.close()
    _listeners = []


def fetch(address: str, token: str, generation: int, scoreboard: Optional[str]) -> None:
    """Zygote: receive the direct sockets from the master, map the scoreboard; before chroot
    and the identity change, since neither is reachable afterwards."""
    if scoreboard is None:
        return
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(address)
        sock.sendall(encode_hello(token, ROLE_LISTENERS, generation, 0, 0, os.getpid()))
        data = bytearray()
        fds: list[int] = []
        while True:
            chunk, ancillary, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(64 * 4))
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    got = array.array("i")
                    got.frombytes(payload[: len(payload) - len(payload) % got.itemsize])
                    fds.extend(got)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    if len(data) < HEADER.size + 4:
        raise ProtocolError("LISTENERS: truncated")
    _length, frame_type = HEADER.unpack_from(data, 0)
    (count,) = struct.unpack_from("<I", data, HEADER.size)
    if frame_type != LISTENERS or count != len(fds):
        for fd in fds:
            os.close(fd)
        raise ProtocolError(f"LISTENERS: type 0x{frame_type:02x}, {count} announced, {len(fds)} received")
    socks = [socket.socket(fileno=fd) for fd in fds]
    with open(scoreboard, "r+b") as f:
        board = mmap.mmap(f.fileno(), 0)
    install(socks, board)


class _Quiesce:
    """Direct requests in flight in this process: a slot whose channel closed waits for the
    others' requests to end before the process exits."""

    def __init__(self) -> None:
        self.active = 0
        self.closing = False
        self.lock = threading.Lock()

    def enter(self) -> bool:
        with self.lock:
            if self.closing:
                return False
            self.active += 1
            return True

    def leave(self) -> None:
        with self.lock:
            self.active -= 1

    def wait(self) -> None:
        """Until no direct request runs (the exit path only, so a short sleep loop will do)."""
        with self.lock:
            self.closing = True
        while self.active:
            time.sleep(0.005)


quiesce = _Quiesce()


class DirectInput(wsgi.InputStream):
    """``wsgi.input`` of a direct request: the bytes that came with the packet, then the
    socket, never past CONTENT_LENGTH."""

    __slots__ = ("_sock", "_left")

    def __init__(self, sock: socket.socket, first: bytes, length: int) -> None:
        self._sock = sock
        self._buf = first[:length]
        self._pos = 0
        self._left = length - len(self._buf)
        self._open = True
        self._aborted = False

    def _fill(self) -> bool:
        if self._pos < len(self._buf):
            return True
        if self._left <= 0:
            self._open = False
            return False
        try:
            data = self._sock.recv(min(self._left, _BODY_READ))
        except OSError as exc:
            self._open = False
            raise OSError(f"request body: {exc}") from None
        if not data:
            self._open = False
            raise OSError("request body aborted (client gone)")
        self._left -= len(data)
        self._buf = data
        self._pos = 0
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        pos = self._pos
        have = len(self._buf) - pos
        if size is None or size < 0:
            size = have + self._left
        if have >= size:
            self._pos = pos + size
            return self._buf[pos : pos + size]
        chunks = [self._buf[pos:]] if have else []
        self._buf = b""
        self._pos = 0
        need = min(size - have, self._left)
        while need > 0:
            try:
                # One syscall and one copy for the whole piece the app asked for.
                data = self._sock.recv(need, _WAITALL)
            except OSError as exc:
                self._left = 0
                raise OSError(f"request body: {exc}") from None
            if not data:
                self._left = 0
                raise OSError("request body aborted (client gone)")
            self._left -= len(data)
            need -= len(data)
            chunks.append(data)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def is_open(self) -> bool:
        return self._left > 0

    def unread(self) -> int:
        return self._left

    def drain(self) -> None:
        self._buf = b""
        self._pos = 0


# Validated heads by (status-line prefix, status, *headers): most responses of an app repeat a
# few heads exactly. Each is (status code, field count, the head's bytes, whether a body may follow).
_heads: dict[tuple[Any, ...], tuple[int, int, bytes, bool]] = {}
_HEAD_CACHE_LIMIT = 512
# Where the cell counts an answer, by status class.
_CLASS_INDEX = {2: 4, 3: 5, 4: 6, 5: 7}


def _plain(headers: list[Any]) -> bool:
    """Only exact (str, str) tuples and a str status may share a cached head: an equal value of
    another type (a str subclass, say) must still meet check_head's type checks."""
    return not headers or (
        {*map(type, headers)} == _TUPLE_ONLY
        and {*map(len, headers)} == _PAIRS_ONLY
        and {*map(type, _chain(headers))} == _STR_ONLY
    )


_TUPLE_ONLY = {tuple}
_PAIRS_ONLY = {2}
_STR_ONLY = {str}
_chain = itertools.chain.from_iterable


class DirectSlot:
    """One slot's direct serving: its accept loop and the request it is answering."""

    # Fixed slots: the request path reads and writes these some hundred times per request. As
    # plain attributes, more than 30 of them cost the instance its shared-key layout, and each
    # access about a third more (measured on Python 3.11).
    __slots__ = (
        "handler", "channel", "app", "base_environ", "setup", "offset", "cell", "multithread",
        "in_request", "timeval", "buffer_size", "_packet_max", "_log_always",
        "_log_errors", "_start_response", "_write", "_conn", "_head", "_status", "_headers",
        "_head_bytes", "_body_bytes", "_body_allowed", "_sent", "_prefix", "_is_head",
        "_timeouts_set", "_peer", "_poller", "_listening",
    )

    def __init__(self, handler: wsgi.SlotHandler, setup: DirectSetup) -> None:
        self.handler = handler
        self.channel: Channel = handler.channel
        self.app = handler.app
        self.base_environ = handler.base_environ
        self.setup = setup
        self.offset = setup.cell * CELL_SIZE
        # The cell's fields as the slot keeps them (started and harakiri are written separately
        # while a request runs): [0, requests, 0, tx, 2xx, 3xx, 4xx, 5xx], one pack_into at its end.
        self.cell = [0, 0, 0, 0, 0, 0, 0, 0]
        self.multithread = bool(handler.base_environ.get("wsgi.multithread"))
        # True while the app runs: uwsgi.set_user_harakiri then writes its deadline into the cell.
        self.in_request = False
        timeout = max(setup.socket_timeout_ms, 1)
        self.timeval = struct.pack("@ll", timeout // 1000, (timeout % 1000) * 1000)
        self.buffer_size = setup.buffer_size
        # The largest header + vars block buffer-size allows: the most one recv of it reads.
        self._packet_max = setup.buffer_size + 4
        # Log rules that do not depend on the status: when none is set, only an error answer
        # (4xx/5xx, when those are logged) costs the slot the DIRECT_LOG frame's work.
        self._log_always = bool(setup.log_flags & (DIRECT_LOG_ALL | DIRECT_LOG_ZERO) or setup.log_slow_ms
                                or setup.log_big_bytes)
        self._log_errors = bool(setup.log_flags & (DIRECT_LOG_4XX | DIRECT_LOG_5XX))
        self._start_response = self.start_response
        self._write = self.write
        self._conn: Optional[socket.socket] = None
        self._head: Optional[bytes] = None
        self._status = 0
        self._headers = 0
        self._head_bytes = 0
        self._body_bytes = 0
        self._body_allowed = True
        self._sent = False
        self._prefix = "HTTP/1.0 "
        self._is_head = False
        self._timeouts_set = False
        self._peer = ""

    # -- the loop --------------------------------------------------------------------------

    def serve(self) -> None:
        """Accept and answer until the channel closes (raises ChannelClosed)."""
        board = _board
        assert board is not None
        _CELL.pack_into(board, self.offset, 0, 0, 0, 0, 0, 0, 0, 0)
        chan_fd = self.channel.sock.fileno()
        poller = select.epoll()
        listening: dict[int, Any] = {}  # socket objects; _accept is the C method under accept()
        families = {}
        for listener in _listeners:
            poller.register(listener.fileno(), select.EPOLLIN | select.EPOLLEXCLUSIVE)
            listening[listener.fileno()] = listener
            families[listener.fileno()] = int(listener.family)  # the property builds an enum each time
        wsgi.current_slot.direct = self
        track = self.multithread
        poller.register(chan_fd, select.EPOLLIN)
        self._poller = poller
        self._listening = listening
        monotonic = time.monotonic
        make_socket = _socket.socket
        try:
            while True:
                if self.channel.buffered():
                    self._channel_frame()
                    continue
                ready = [fd for fd, _ in poller.poll()]
                if chan_fd in ready:
                    self._channel_frame()
                    continue
                deadline = monotonic() + _CHANNEL_CHECK
                # Accept until the queue is empty (one epoll_wait per burst, not per request),
                # looking at the channel now and then.
                while True:
                    served = False
                    for fd in ready:
                        sock = listening.get(fd)
                        if sock is None:
                            continue
                        accept = sock._accept  # the C call: no wrapper object, no enum lookups
                        family = families[fd]
                        while True:  # this listener's queue, until empty or the deadline
                            try:
                                cfd, addr = accept()
                            except (BlockingIOError, InterruptedError):
                                break
                            except OSError as exc:
                                log_line(f"direct uwsgi: accept: {exc}")
                                break
                            served = True
                            conn: Any = make_socket(family, _STREAM, 0, cfd)
                            if not track:
                                self._serve_connection(conn, addr, sock)
                            else:
                                # Other slot threads may see the channel close meanwhile; the
                                # process then exits only once this request is over.
                                if not quiesce.enter():
                                    conn.close()
                                    raise ChannelClosed("the worker is stopping")
                                try:
                                    self._serve_connection(conn, addr, sock)
                                finally:
                                    quiesce.leave()
                            if monotonic() >= deadline:
                                break
                    if not served or monotonic() >= deadline:
                        break
        finally:
            poller.close()

    def _channel_frame(self) -> None:
        frame_type, payload = self.channel.read_frame()
        if frame_type == REQUEST:
            self.handler.handle(payload)
        elif frame_type == ABORT:
            pass  # meant for a relayed response that has already ended
        elif frame_type == DIRECT_STOP:
            for fd in list(self._listening):
                self._poller.unregister(fd)
            self._listening.clear()
        elif wsgi.on_idle_frame is not None:
            wsgi.on_idle_frame(self.channel, frame_type, payload)
        else:
            raise ProtocolError(f"frame type: 0x{frame_type:02x} (expected: REQUEST)")

    # -- one connection --------------------------------------------------------------------

    def _serve_connection(self, conn: socket.socket, addr: Any, listener: socket.socket) -> None:
        board = _board
        offset = self.offset
        started = time.monotonic_ns()
        _U64.pack_into(board, offset, started)  # type: ignore[arg-type]
        self._timeouts_set = False
        self._status = 0
        self._body_bytes = 0
        answered = False
        try:
            # The proxy writes the packet as it connects, so it is usually all there: one recv
            # and the header's checks inline; anything else takes _read_packet's slow path.
            try:
                data = conn.recv(self._packet_max, _DONTWAIT)
            except BlockingIOError:
                data = b""
            datasize = 4 + (data[1] | (data[2] << 8)) if len(data) >= 4 else 0
            if not 4 <= datasize <= len(data) or datasize > self._packet_max or (data[0] != 0 and data[0] != 30):
                packet = self._read_packet(conn, data)
                if packet is None:
                    return
                data = packet
                datasize = 4 + (data[1] | (data[2] << 8))
            peer = unmapped(addr[0]) if type(addr) is tuple else ""
            self._peer = peer
            try:
                environ, length, prefix = decode_packet(data, lambda: self._local_address(conn, listener), peer,
                                                        self.base_environ)
            except PacketError as exc:
                self._bad(conn, str(exc))
                return
            limit = self.setup.limit_post
            if limit and length > limit:
                self._bad(conn, f"content length: {length} (expected: <= limit-post {limit})")
                return
            answered = True
            wsgi.on_request()
            if length:
                if length > len(data) - datasize:
                    self._set_timeouts(conn)  # the body is read from the socket
                body: wsgi.InputStream = DirectInput(conn, data[datasize:], length)
            else:
                body = wsgi.EMPTY_INPUT
            environ["wsgi.input"] = body
            self._conn = conn
            self._head = None
            self._headers = 0
            self._head_bytes = 0
            self._sent = False
            self._prefix = prefix
            self._is_head = environ.get("REQUEST_METHOD") == "HEAD"
            self.in_request = True
            try:
                result = self.app(environ, self._start_response)
                try:
                    self._respond(result)
                    if not self._sent:
                        if self._head is None:
                            raise RuntimeError("the application returned without calling start_response")
                        self._send(self._head)
                    if body is wsgi.EMPTY_INPUT or not body.unread():  # type: ignore[attr-defined]
                        # The answer is whole. Ending the connection before the result's close()
                        # and the bookkeeping hands the proxy the data and the end in one wake-up;
                        # later, the proxy would often wake for the data, sleep, and wake again.
                        conn.close()
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
            except _ClientGone:
                pass
            except Exception:
                self._fail(environ)
            finally:
                self.in_request = False
                self._conn = None
            if body is not wsgi.EMPTY_INPUT and body.unread():  # type: ignore[attr-defined]
                self._drain(conn, body.unread())  # type: ignore[attr-defined]
            if self._log_always or self._log_errors and self._status >= 400:
                self._log(data[:datasize], started)
        finally:
            cell = self.cell
            if answered:  # a refused packet is a bad client, not a request
                cell[1] += 1
                cell[3] += self._body_bytes
                index = _CLASS_INDEX.get(self._status // 100)
                if index is not None:
                    cell[index] += 1
            # One write for the whole cell: idle again, counters, no user harakiri.
            _CELL.pack_into(board, offset, *cell)  # type: ignore[arg-type]
            conn.close()

    def _read_packet(self, conn: socket.socket, data: bytes) -> Optional[bytes]:
        """The header, the vars and whatever body bytes came with them, given what a first
        non-blocking recv read (maybe nothing); None when the client sent nothing usable (logged).
        Only a client slower than a proxy costs the syscalls that set the timeouts."""
        try:
            if not data:
                self._set_timeouts(conn)
                data = conn.recv(self._packet_max)
            if len(data) >= 4:
                error = header_error(data, self.buffer_size)
                if error is not None:
                    self._bad(conn, error)
                    return None
                if len(data) >= 4 + (data[1] | (data[2] << 8)):
                    return data
            chunks = [data]
            have = len(data)
            need = -1
            while True:
                if not chunks[-1]:
                    if have:
                        # The master's wording for the same event on a relayed connection.
                        log_line(f"direct uwsgi: client closed its side in the middle of a request head"
                                 f" ({have} bytes)")
                    return None
                if need < 0 and have >= 4:
                    joined = b"".join(chunks)
                    chunks = [joined]
                    need = 4 + (joined[1] | (joined[2] << 8))
                    error = header_error(joined, self.buffer_size)
                    if error is not None:
                        self._bad(conn, error)
                        return None
                if need >= 0 and have >= need:
                    return b"".join(chunks)
                self._set_timeouts(conn)
                chunk = conn.recv(self._packet_max)
                chunks.append(chunk)
                have += len(chunk)
        except BlockingIOError:
            self._bad(conn, f"sent no complete packet in {self.setup.socket_timeout_ms} ms")
        except OSError as exc:
            self._bad(conn, f"read: {exc}")
        return None

    def _set_timeouts(self, conn: socket.socket) -> None:
        """socket-timeout for reads and writes that may block (Unix sockets do not inherit the
        listener's); set once per connection, only when needed."""
        if not self._timeouts_set:
            self._timeouts_set = True
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, self.timeval)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, self.timeval)

    def _local_address(self, conn: socket.socket, listener: socket.socket) -> tuple[str, str]:
        if listener.family == socket.AF_UNIX:
            return "localhost", "0"
        try:
            host, port = conn.getsockname()[:2]
        except OSError:
            return "localhost", "0"
        return unmapped(str(host)), str(port)

    def _bad(self, conn: socket.socket, reason: str) -> None:
        log_line(f"direct uwsgi: bad request: {reason}")

    # -- the app ---------------------------------------------------------------------------

    def _respond(self, result: Iterable[bytes]) -> None:
        if type(result) is list and len(result) == 1 and type(result[0]) is bytes and self._head is not None:
            self.write(result[0])  # most apps' answer: one write, with the head
            return
        if type(result) is wsgi.FileWrapper and self._head is not None and self._sendfile(result):
            return
        for data in result:
            if type(data) is not bytes:
                raise TypeError(f"response body item: {type(data).__name__} (expected: bytes)")
            if data:
                self.write(data)
        if self._head is None:
            raise RuntimeError("the application returned without calling start_response")

    def _sendfile(self, wrapper: wsgi.FileWrapper) -> bool:
        source = wrapper.sendfile_source()
        if source is None:
            return False
        fd, offset, count = source
        self._send(self._head)  # type: ignore[arg-type]
        if not self._body_allowed:
            return True
        if count < 0:
            count = max(os.fstat(fd).st_size - offset, 0)
        conn = self._conn
        assert conn is not None
        self._set_timeouts(conn)
        while count > 0:
            try:
                n = os.sendfile(conn.fileno(), fd, offset, min(count, 1 << 30))
            except OSError:
                raise _ClientGone() from None
            if n == 0:
                break
            offset += n
            count -= n
            self._body_bytes += n
        return True

    def start_response(self, status: str, headers: list[tuple[str, str]],
                       exc_info: Optional[wsgi.ExcInfo] = None) -> wsgi.WriteCallable:
        if exc_info is not None or self._head is not None:
            wsgi.check_restart(exc_info, self._sent, self._head is not None)
        prefix = self._prefix
        cacheable = type(status) is str and type(headers) is list and _plain(headers)
        head = _heads.get((prefix, status, *headers)) if cacheable else None
        if head is None:
            code, _flags, _length, block = wsgi.check_head(status, headers)
            head = (code, block.count("\n") - 1, (prefix + block + "\r\n").encode("latin-1"),
                    not (code < 200 or code == 204 or code == 304))
            if cacheable:
                if len(_heads) >= _HEAD_CACHE_LIMIT:
                    _heads.clear()
                _heads[(prefix, status, *headers)] = head
        self._status = head[0]
        self._headers = head[1]
        self._head = head[2]
        self._body_allowed = head[3] and not self._is_head
        return self._write

    def write(self, data: bytes) -> None:
        if type(data) is not bytes:
            raise TypeError(f"write() argument: {type(data).__name__} (expected: bytes)")
        if not self._sent:
            head = self._head
            if head is None:
                raise RuntimeError("response body before start_response")
            self._sent = True
            if data and self._body_allowed:
                # The head leaves with the first chunk: one write, and one wake-up of the proxy.
                size = len(data)
                self._body_bytes = size
                if size > _NO_TIMEOUT_WRITE:
                    self._send_pair(head, data)
                    return
                self._head_bytes = len(head)
                try:
                    self._conn.sendall(head + data)  # type: ignore[union-attr]
                except OSError:
                    raise _ClientGone() from None
            else:
                self._send(head)
            return
        if data and self._body_allowed:
            self._body_bytes += len(data)
            self._sendall(data)

    def _send(self, head: bytes) -> None:
        """The head alone (no body, or one still to come)."""
        self._sent = True
        self._head_bytes = len(head)
        self._sendall(head)

    def _sendall(self, data: bytes) -> None:
        if not self._timeouts_set and (self._body_bytes > _NO_TIMEOUT_WRITE or len(data) > _NO_TIMEOUT_WRITE):
            self._set_timeouts(self._conn)  # type: ignore[arg-type]
        try:
            self._conn.sendall(data)  # type: ignore[union-attr]
        except OSError:
            raise _ClientGone() from None

    def _send_pair(self, head: bytes, data: bytes) -> None:
        """Head and a large body in one sendmsg, without copying them together."""
        conn = self._conn
        assert conn is not None
        self._head_bytes = len(head)
        self._set_timeouts(conn)
        try:
            sent = conn.sendmsg([head, data])
            if sent < len(head):
                conn.sendall(head[sent:])
                conn.sendall(data)
            elif sent < len(head) + len(data):
                conn.sendall(memoryview(data)[sent - len(head) :])
        except OSError:
            raise _ClientGone() from None

    def _fail(self, environ: dict[str, Any]) -> None:
        print(f"Error while handling {environ.get('REQUEST_METHOD')} {environ.get('REQUEST_URI')}:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        if self._sent:
            return  # the proxy sees the connection end early
        self._status = 500
        self._headers = 2
        body = b"Internal Server Error\n"
        head = (f"{self._prefix}500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        if self._is_head:
            body = b""
        self._head = head
        self._sent = True
        self._head_bytes = len(head)
        self._body_bytes = len(body)
        try:
            self._conn.sendall(head + body)  # type: ignore[union-attr]
        except OSError:
            pass

    def _drain(self, conn: socket.socket, left: int) -> None:
        """Read what the app left of the body, so that closing sends FIN, not RST."""
        if left > _DRAIN_LIMIT:
            return
        try:
            conn.shutdown(socket.SHUT_WR)
            while left > 0:
                chunk = conn.recv(min(left, _BODY_READ))
                if not chunk:
                    return
                left -= len(chunk)
        except OSError:
            pass

    def _log(self, packet: bytes, started: int) -> None:
        """A DIRECT_LOG frame when the master's log rules want this request's line."""
        flags = self.setup.log_flags
        status = self._status
        size = self._body_bytes
        nanos = time.monotonic_ns() - started
        if not (
            flags & DIRECT_LOG_ALL
            or flags & DIRECT_LOG_ZERO and size == 0
            or self.setup.log_slow_ms and nanos >= self.setup.log_slow_ms * 1_000_000
            or flags & DIRECT_LOG_4XX and 400 <= status <= 499
            or flags & DIRECT_LOG_5XX and 500 <= status <= 599
            or self.setup.log_big_bytes and size >= self.setup.log_big_bytes
        ):
            return
        start_micros = time.time_ns() // 1000 - nanos // 1000
        if self._peer and REMOTE_ADDR_VAR not in packet:
            packet = with_var(packet, b"REMOTE_ADDR", self._peer.encode("latin-1"))
        self.channel.send(encode_direct_log(status, self._headers, self._head_bytes, size, nanos, start_micros,
                                            packet))


def set_harakiri(seconds: int) -> bool:
    """uwsgi.set_user_harakiri during a direct request: the deadline goes to the scoreboard
    cell, where the master's sweep reads it. False when no direct request runs here."""
    slot = getattr(wsgi.current_slot, "direct", None)
    board = _board
    if slot is None or board is None or not slot.in_request:
        return False
    # Capped as the relayed path's SET_HARAKIRI frame is (u32 seconds), so it fits the cell.
    deadline = time.monotonic_ns() + min(seconds, 0x7FFFFFFF) * 1_000_000_000 if seconds else 0
    _U64.pack_into(board, slot.offset + 16, deadline)
    return True
