"""direct.py driven in-process: the test binds the uwsgi socket, maps the scoreboard, plays
the master on one end of a socketpair and the proxy on client connections."""

from __future__ import annotations

import io
import mmap
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Sequence, Tuple, Union

from support import FrameConn, protocol

from regent import api, direct, uwsgi_packet, wsgi
from regent.channel import Channel
from regent.uwsgi_packet import PacketError, decode_packet
from regent.errors import ChannelClosed

App = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Vars = Union[Dict[str, str], Sequence[Tuple[str, str]]]

TIMEOUT = 5.0  # every socket and join: a bug fails the test instead of hanging the suite
CELL = 3  # not cell 0, so that an offset mistake shows in the other cells
OFFSET = CELL * direct.CELL_SIZE
BOARD_SIZE = 4096
U64 = struct.Struct("<Q")
LONG_MAX = (1 << 63) - 1


# -- the proxy's side: uwsgi packets and raw HTTP answers ------------------------------------


def encode_vars(env: Vars) -> bytes:
    """The vars block; a list of pairs may repeat keys, in order."""
    items = env.items() if isinstance(env, dict) else env
    out = bytearray()
    for key, value in items:
        k = key.encode("latin-1")
        v = value.encode("latin-1")
        out += struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v
    return bytes(out)


def uwsgi_header(datasize: int, modifier1: int = 0, modifier2: int = 0) -> bytes:
    return struct.pack("<BHB", modifier1, datasize, modifier2)


def packet(env: Vars, body: bytes = b"", modifier1: int = 0) -> bytes:
    block = encode_vars(env)
    return uwsgi_header(len(block), modifier1) + block + body


def raw_packet(block: bytes, modifier1: int = 0) -> bytes:
    """A packet around a hand-made (possibly malformed) vars block."""
    return uwsgi_header(len(block), modifier1) + block


def request_vars(method: str = "GET", path: str = "/", query: str = "", body: Optional[bytes] = None,
                 **extra: str) -> dict[str, str]:
    env = {
        "REQUEST_METHOD": method,
        "REQUEST_URI": path + ("?" + query if query else ""),
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "example.test",
    }
    if body is not None:
        env["CONTENT_LENGTH"] = str(len(body))
    env.update(extra)
    return env


class Response:
    """What a client read until the connection ended."""

    def __init__(self, raw: bytes, reset: bool) -> None:
        self.raw = raw
        self.reset = reset  # ended by ECONNRESET instead of EOF
        head, _sep, self.body = raw.partition(b"\r\n\r\n")
        self.head = head + _sep
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        self.headers = [tuple(line.split(": ", 1)) for line in lines[1:] if line]

    @property
    def status(self) -> int:
        return int(self.status_line.split(" ")[1])

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def read_all(sock: socket.socket) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    try:
        while True:
            data = sock.recv(1 << 20)
            if not data:
                return b"".join(chunks), False
            chunks.append(data)
    except ConnectionResetError:
        return b"".join(chunks), True


def simple_app(body: bytes = b"ok", status: str = "200 OK",
               headers: Optional[list[tuple[str, str]]] = None) -> App:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(status, headers if headers is not None else [("Content-Type", "text/plain")])
        return [body]

    return app


class Handler:
    """What DirectSlot needs of a wsgi.SlotHandler."""

    def __init__(self, channel: Channel, app: App, handle: Optional[Callable[[bytes], None]],
                 threads: int = 1) -> None:
        self.channel = channel
        self.app = app
        self.base_environ = wsgi.base_environ(1, threads)
        self.handled: list[bytes] = []
        self.handled_event = threading.Event()
        self._handle = handle

    def handle(self, payload: bytes) -> None:
        self.handled.append(payload)
        try:
            if self._handle is not None:
                self._handle(payload)
        finally:
            self.handled_event.set()


class DirectTestCase(unittest.TestCase):
    """Each test starts one slot with ``start``; tearDown closes the master's end and joins it."""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="regent-direct-")
        self.path = os.path.join(self.tmp.name, "uwsgi.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.tcp: Optional[socket.socket] = None
        board_path = os.path.join(self.tmp.name, "scoreboard")
        with open(board_path, "wb") as f:
            f.write(b"\0" * BOARD_SIZE)
        with open(board_path, "r+b") as f:
            self.board = mmap.mmap(f.fileno(), 0)
        self.stderr = io.StringIO()
        self._saved_stderr = sys.stderr
        sys.stderr = self.stderr
        self.thread: Optional[threading.Thread] = None
        self.slot_error: Optional[BaseException] = None
        self.release: list[threading.Event] = []  # set in tearDown so that no app stays blocked
        self.master: Optional[FrameConn] = None
        self.slot_sock: Optional[socket.socket] = None

    def start(self, app: App, log_flags: int = 0, limit_post: int = 0, buffer_size: int = 65536,
              log_slow_ms: int = 0, log_big_bytes: int = 0, tcp: bool = False,
              handle: Optional[Callable[[bytes], None]] = None, socket_timeout_ms: int = 30000,
              threads: int = 1) -> Handler:
        listeners = [self.listener]
        if tcp:
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.bind(("127.0.0.1", 0))
            self.tcp.listen(64)
            self.tcp.setblocking(False)
            listeners.append(self.tcp)
        direct.install(listeners, self.board)
        a, b = socket.socketpair()
        self.slot_sock = a
        self.master = FrameConn(b)
        self.handler = Handler(Channel(a), app, handle, threads)
        setup = protocol.DirectSetup(CELL, buffer_size, socket_timeout_ms, log_flags, log_slow_ms, log_big_bytes,
                                     limit_post)
        self.slot = direct.DirectSlot(self.handler, setup)  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self.handler

    def _serve(self) -> None:
        try:
            self.slot.serve()
        except BaseException as exc:  # ChannelClosed is the normal end, checked in tearDown
            self.slot_error = exc

    def stop(self) -> Optional[BaseException]:
        """Close the master's end; the slot's serve() must end by raising ChannelClosed."""
        for event in self.release:
            event.set()
        if self.master is not None:
            self.master.close()
        if self.thread is not None:
            self.thread.join(TIMEOUT)
            self.assertFalse(self.thread.is_alive(), "serve() did not end after the channel closed")
        return self.slot_error

    def tearDown(self) -> None:
        try:
            if self.thread is not None:
                error = self.stop()
                if not isinstance(error, ChannelClosed):
                    raise AssertionError(f"serve() ended with {error!r} (expected: ChannelClosed)")
        finally:
            direct.install([], None)
            sys.stderr = self._saved_stderr
            if self.slot_sock is not None:
                self.slot_sock.close()
            self.listener.close()
            if self.tcp is not None:
                self.tcp.close()
            self.board.close()
            self.tmp.cleanup()

    # -- clients ---------------------------------------------------------------------------

    def connect(self, family: int = socket.AF_UNIX) -> socket.socket:
        if family == socket.AF_UNIX:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: Any = self.path
        else:
            assert self.tcp is not None
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = self.tcp.getsockname()
        self.addCleanup(sock.close)
        sock.settimeout(TIMEOUT)
        sock.connect(address)
        return sock

    def exchange(self, data: bytes, family: int = socket.AF_UNIX, shut_write: bool = False) -> Response:
        """Send ``data`` (from a thread, so a big body cannot deadlock) and read until the end."""
        sock = self.connect(family)
        send_error: list[BaseException] = []

        def send() -> None:
            try:
                sock.sendall(data)
                if shut_write:
                    sock.shutdown(socket.SHUT_WR)
            except OSError as exc:
                send_error.append(exc)

        if len(data) <= 65536:
            send()
        else:
            sender = threading.Thread(target=send, daemon=True)
            sender.start()
        raw, reset = read_all(sock)
        if len(data) > 65536:
            sender.join(TIMEOUT)
        self.send_error = send_error[0] if send_error else None
        sock.close()
        return Response(raw, reset)

    def request(self, env: Optional[Vars] = None, body: bytes = b"", modifier1: int = 0,
                family: int = socket.AF_UNIX) -> Response:
        return self.exchange(packet(env if env is not None else request_vars(), body, modifier1), family)

    def cell(self, index: int = 0) -> int:
        """u64 ``index`` of the slot's cell: 0 started, 1 requests, 2 harakiri deadline."""
        return int(U64.unpack_from(self.board, OFFSET + 8 * index)[0])

    def settle(self) -> None:
        """Wait until the slot is idle again: the client sees the end of an answer before the slot
        closes the result and writes its cell."""
        deadline = time.monotonic() + TIMEOUT
        while self.cell(0) != 0:
            self.assertLess(time.monotonic(), deadline, "the slot did not go idle")
            time.sleep(0.001)

    def event(self) -> threading.Event:
        event = threading.Event()
        self.release.append(event)
        return event


def recording_app(seen: list[dict[str, Any]], body: bytes = b"ok") -> App:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(dict(environ))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    return app


# -- 1. GET ------------------------------------------------------------------------------------


class GetTest(DirectTestCase):
    def test_get_answers_raw_http(self) -> None:
        self.start(simple_app(b"hello", headers=[("Content-Type", "text/plain"), ("X-A", "1")]))
        response = self.request()
        self.assertEqual(response.raw, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1\r\n\r\nhello")
        self.assertFalse(response.reset)

    def test_status_line_echoes_server_protocol(self) -> None:
        self.start(simple_app(b"x", status="404 Not Found"))
        cases = [
            ("HTTP/1.1", "HTTP/1.1 404 Not Found"),
            ("HTTP/1.0", "HTTP/1.0 404 Not Found"),
            ("HTTP/2.0", "HTTP/2.0 404 Not Found"),
            ("HTTP/9.9", "HTTP/1.0 404 Not Found"),
            ("http/1.1", "HTTP/1.0 404 Not Found"),
            ("", "HTTP/1.0 404 Not Found"),
            (None, "HTTP/1.0 404 Not Found"),
        ]
        for proto, expected in cases:
            with self.subTest(proto=proto):
                env = request_vars()
                if proto is None:
                    del env["SERVER_PROTOCOL"]
                else:
                    env["SERVER_PROTOCOL"] = proto
                response = self.request(env)
                self.assertEqual(response.status_line, expected)
                self.assertEqual(response.body, b"x")

    def test_environ_defaults_for_a_unix_socket(self) -> None:
        seen: list[dict[str, Any]] = []
        inputs: list[bytes] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            seen.append(dict(environ))
            inputs.append(environ["wsgi.input"].read())
            start_response("200 OK", [])
            return [b"ok"]

        self.start(app)
        self.assertEqual(self.request({"REQUEST_METHOD": "GET"}).body, b"ok")
        env = seen[0]
        self.assertEqual(env["REQUEST_METHOD"], "GET")
        self.assertEqual(env["SCRIPT_NAME"], "")
        self.assertEqual(env["PATH_INFO"], "")
        self.assertEqual(env["QUERY_STRING"], "")
        self.assertEqual(env["REMOTE_ADDR"], "")
        self.assertEqual(env["SERVER_NAME"], "localhost")
        self.assertEqual(env["SERVER_PORT"], "0")
        self.assertEqual(env["wsgi.url_scheme"], "http")
        self.assertEqual(env["wsgi.version"], (1, 0))
        self.assertIs(env["wsgi.errors"], self.handler.base_environ["wsgi.errors"])
        self.assertIs(env["wsgi.multithread"], False)
        self.assertIs(env["wsgi.multiprocess"], False)
        self.assertIs(env["wsgi.run_once"], False)
        self.assertIs(env["wsgi.file_wrapper"], wsgi.FileWrapper)
        self.assertIn("wsgi.input", env)
        self.assertEqual(inputs, [b""])
        self.assertNotIn("CONTENT_LENGTH", env)

    def test_environ_passes_the_packet_vars_through(self) -> None:
        seen: list[dict[str, Any]] = []
        self.start(recording_app(seen))
        env = request_vars("GET", "/a b", "x=1&y=2", SCRIPT_NAME="/app", REMOTE_ADDR="10.1.2.3",
                           REMOTE_PORT="40000", SERVER_NAME="www.test", SERVER_PORT="8443",
                           HTTP_X_RAW="caf\xe9\xff", CONTENT_TYPE="text/x")
        self.request(env)
        for key, value in env.items():
            self.assertEqual(seen[0][key], value, key)
        self.assertEqual(seen[0]["HTTP_X_RAW"], "caf\xe9\xff")  # raw bytes -> latin-1 code points

    def test_tcp_listener_addresses(self) -> None:
        seen: list[dict[str, Any]] = []
        self.start(recording_app(seen), tcp=True)
        assert self.tcp is not None
        response = self.request({"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1"}, family=socket.AF_INET)
        self.assertEqual(response.raw, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nok")
        self.assertEqual(seen[0]["REMOTE_ADDR"], "127.0.0.1")
        self.assertEqual(seen[0]["SERVER_NAME"], "127.0.0.1")
        self.assertEqual(seen[0]["SERVER_PORT"], str(self.tcp.getsockname()[1]))
        # The Unix socket of the same slot still answers.
        self.assertEqual(self.request().body, b"ok")

    def test_hop_by_hop_headers_are_dropped(self) -> None:
        self.start(simple_app(b"body", headers=[
            ("Content-Type", "text/plain"),
            ("Connection", "close"),
            ("Transfer-Encoding", "chunked"),
            ("Keep-Alive", "timeout=5"),
            ("Upgrade", "h2c"),
            ("X-Kept", "yes"),
            ("Content-Length", "4"),
        ]))
        response = self.request()
        self.assertEqual(response.raw,
                         b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Kept: yes\r\nContent-Length: 4\r\n\r\nbody")

    def test_invalid_head_from_the_app_is_a_500(self) -> None:
        self.start(simple_app(b"x", headers=[("X-Bad", "a\r\nInjected: 1")]))
        response = self.request()
        self.assertEqual(response.status_line, "HTTP/1.1 500 Internal Server Error")
        self.assertIsNone(response.header("Injected"))
        self.assertEqual(response.body, b"Internal Server Error\n")


# -- 2. request bodies ---------------------------------------------------------------------------


class BodyTest(DirectTestCase):
    BIG = os.urandom(3 * 1024 * 1024)

    def run_reader(self, reader: Callable[[Any], Any], body: bytes, env: Optional[dict[str, str]] = None) -> Any:
        result: list[Any] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            result.append(reader(environ["wsgi.input"]))
            result.append(environ.get("CONTENT_LENGTH"))
            start_response("200 OK", [])
            return [b"done"]

        self.start(app)
        response = self.request(env if env is not None else request_vars("POST", body=body), body)
        self.assertEqual(response.raw, b"HTTP/1.1 200 OK\r\n\r\ndone")
        self.assertFalse(response.reset)
        self.assertIsNone(self.send_error)
        # The slot is free again: a second request works.
        self.assertEqual(self.request(request_vars("POST", body=b"again"), b"again").body, b"done")
        return result[0]

    def test_read_all_of_a_big_body(self) -> None:
        data = self.run_reader(lambda f: f.read(), self.BIG)
        self.assertEqual(len(data), len(self.BIG))
        self.assertTrue(data == self.BIG)

    def test_read_none_and_oversized(self) -> None:
        body = b"0123456789" * 100
        self.assertEqual(self.run_reader(lambda f: (f.read(None), f.read()), body), (body, b""))

    def test_read_in_64k_pieces(self) -> None:
        def pieces(f: Any) -> list[bytes]:
            out: list[bytes] = []
            while True:
                piece = f.read(65536)
                if not piece:
                    return out
                out.append(piece)

        got = self.run_reader(pieces, self.BIG)
        self.assertEqual([len(p) for p in got], [65536] * (len(self.BIG) // 65536))
        self.assertTrue(b"".join(got) == self.BIG)

    def test_read_odd_sizes(self) -> None:
        body = os.urandom(200_000)

        def odd(f: Any) -> list[bytes]:
            out = [f.read(0), f.read(1), f.read(7), f.read(65537), f.read(100_000), f.read(10**9), f.read(5)]
            return out

        got = self.run_reader(odd, body)
        self.assertEqual([len(p) for p in got], [0, 1, 7, 65537, 100_000, 200_000 - 165_545, 0])
        self.assertTrue(b"".join(got) == body)

    def test_readline(self) -> None:
        body = b"line one\nline two\n" + b"x" * 200_000 + b"\nlast line without newline"

        def lines(f: Any) -> list[bytes]:
            out: list[bytes] = []
            while True:
                line = f.readline()
                if not line:
                    return out
                out.append(line)

        self.assertEqual(self.run_reader(lines, body),
                         [b"line one\n", b"line two\n", b"x" * 200_000 + b"\n", b"last line without newline"])

    def test_readline_limit_iteration_and_mixed_reads(self) -> None:
        body = b"abcdef\n" + b"y" * 100_000 + b"\nrest\ntail"

        def mixed(f: Any) -> list[Any]:
            return [f.readline(3), f.readline(), f.read(10), f.readline(), list(f)]

        self.assertEqual(self.run_reader(mixed, body),
                         [b"abc", b"def\n", b"y" * 10, b"y" * 99_990 + b"\n", [b"rest\n", b"tail"]])

    def test_app_sees_exactly_content_length_bytes(self) -> None:
        # The client sends more than it announced; wsgi.input stops at CONTENT_LENGTH.
        body = b"A" * 60 + b"B" * 40
        env = request_vars("POST", CONTENT_LENGTH="60")
        got = self.run_reader(lambda f: (f.read(), f.read(10), f.readline()), body, env)
        self.assertEqual(got, (b"A" * 60, b"", b""))

    def test_content_length_with_trailing_garbage(self) -> None:
        # "12abc" counts as 12, as the master's decoder reads it.
        body = b"0123456789AB"
        env = request_vars("POST", CONTENT_LENGTH="12abc")
        self.assertEqual(self.run_reader(lambda f: f.read(), body, env), body)

    def test_big_body_the_content_length_is_seen(self) -> None:
        seen: list[Any] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            seen.append((environ["CONTENT_LENGTH"], len(environ["wsgi.input"].read())))
            start_response("200 OK", [])
            return []

        self.start(app)
        response = self.request(request_vars("PUT", body=self.BIG), self.BIG)
        self.assertEqual(response.raw, b"HTTP/1.1 200 OK\r\n\r\n")
        self.assertEqual(seen, [(str(len(self.BIG)), len(self.BIG))])


# -- 3. unread bodies ----------------------------------------------------------------------------


class UnreadBodyTest(DirectTestCase):
    def check_unread(self, body: bytes, read: int = 0) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if read:
                environ["wsgi.input"].read(read)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"answered without reading"]

        self.start(app)
        response = self.request(request_vars("POST", body=body), body)
        self.assertEqual(response.raw, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nanswered without reading")
        self.assertFalse(response.reset, "connection reset instead of EOF")
        self.assertIsNone(self.send_error)
        self.assertEqual(self.request(request_vars()).body, b"answered without reading")

    def test_small_body_not_read(self) -> None:
        self.check_unread(b"s" * 100)

    def test_one_mib_body_not_read(self) -> None:
        self.check_unread(os.urandom(1 << 20))

    def test_one_mib_body_partly_read(self) -> None:
        self.check_unread(os.urandom(1 << 20), read=70_000)


# -- 4. responses without a body -----------------------------------------------------------------


class NoBodyTest(DirectTestCase):
    def test_head_sends_the_head_only(self) -> None:
        self.start(simple_app(b"body!", headers=[("Content-Type", "text/plain"), ("Content-Length", "5")]))
        response = self.request(request_vars("HEAD"))
        self.assertEqual(response.raw, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n")

    def test_head_with_a_streamed_body(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            write = start_response("200 OK", [("X-A", "1")])
            write(b"written")
            yield b"one"
            yield b"two" * 100_000

        self.start(app)
        self.assertEqual(self.request(request_vars("HEAD")).raw, b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n")

    def test_head_with_a_big_list_body(self) -> None:
        self.start(simple_app(b"z" * 300_000, headers=[]))
        self.assertEqual(self.request(request_vars("HEAD")).raw, b"HTTP/1.1 200 OK\r\n\r\n")

    def test_head_with_a_file_wrapper(self) -> None:
        with tempfile.NamedTemporaryFile(dir=self.tmp.name, delete=False) as f:
            f.write(b"file data" * 1000)
            name = f.name

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            return environ["wsgi.file_wrapper"](open(name, "rb"))  # type: ignore[no-any-return]

        self.start(app)
        response = self.request(request_vars("HEAD"))
        self.assertEqual(response.raw, b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")

    def test_204_and_304_carry_no_body(self) -> None:
        statuses = ["204 No Content", "304 Not Modified"]

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response(statuses[int(environ["QUERY_STRING"])], [("X-S", "1")])
            if environ["PATH_INFO"] == "/stream":
                return iter([b"should", b"not", b"be", b"sent"])
            return [b"should not be sent"]

        self.start(app)
        for index, status in enumerate(statuses):
            for path in ("/list", "/stream"):
                with self.subTest(status=status, path=path):
                    response = self.request(request_vars("GET", path, str(index)))
                    self.assertEqual(response.raw, f"HTTP/1.1 {status}\r\nX-S: 1\r\n\r\n".encode())

    def test_empty_body(self) -> None:
        self.start(simple_app(b"", headers=[("Content-Length", "0")]))
        self.assertEqual(self.request().raw, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


# -- 5. app errors -------------------------------------------------------------------------------


ERROR_500 = (b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\n"
             b"Internal Server Error\n")


class AppErrorTest(DirectTestCase):
    def test_raise_before_start_response(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            raise ValueError("boom before start_response")

        self.start(app)
        response = self.request()
        self.assertEqual(response.raw, ERROR_500)
        self.assertFalse(response.reset)
        self.assertIn("boom before start_response", self.stderr.getvalue())
        # The HTTP/1.0 client gets an HTTP/1.0 status line.
        env = request_vars()
        del env["SERVER_PROTOCOL"]
        self.assertEqual(self.request(env).status_line, "HTTP/1.0 500 Internal Server Error")

    def test_raise_after_start_response_before_the_body(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [("X-Lost", "1")])
            raise ValueError("boom after start_response")

        self.start(app)
        self.assertEqual(self.request().raw, ERROR_500)

    def test_returning_without_start_response(self) -> None:
        self.start(lambda environ, start_response: [] if environ["PATH_INFO"] == "/empty" else [b"no head"])
        self.assertEqual(self.request(request_vars("GET", "/empty")).raw, ERROR_500)
        self.assertIn("without calling start_response", self.stderr.getvalue())
        self.assertEqual(self.request(request_vars("GET", "/body")).raw, ERROR_500)
        self.assertIn("response body before start_response", self.stderr.getvalue())

    def test_non_bytes_body_is_a_500(self) -> None:
        self.start(simple_app("text, not bytes"))  # type: ignore[arg-type]
        self.assertEqual(self.request().raw, ERROR_500)

    def test_exc_info_replaces_the_unsent_head(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [("X-First", "1")])
            try:
                raise KeyError("handled")
            except KeyError:
                start_response("503 Service Unavailable", [("X-Second", "1")], sys.exc_info())
            return [b"sorry"]

        self.start(app)
        self.assertEqual(self.request().raw, b"HTTP/1.1 503 Service Unavailable\r\nX-Second: 1\r\n\r\nsorry")

    def test_raise_while_streaming_ends_the_response_early(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("200 OK", [("Content-Type", "text/plain")])
            if environ["PATH_INFO"] == "/ok":
                yield b"fine"
                return
            yield b"partial-1 "
            yield b"p" * 200_000
            raise RuntimeError("boom while streaming")

        self.start(app)
        response = self.request(request_vars("GET", "/fail"))
        self.assertEqual(response.raw,
                         b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npartial-1 " + b"p" * 200_000)
        self.assertFalse(response.reset)
        self.assertIn("boom while streaming", self.stderr.getvalue())
        self.assertEqual(self.request(request_vars("GET", "/ok")).raw,
                         b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfine")

    def test_close_is_called_on_errors_too(self) -> None:
        closed: list[str] = []

        class Result:
            def __iter__(self) -> Iterator[bytes]:
                yield b"a"
                raise RuntimeError("boom")

            def close(self) -> None:
                closed.append("closed")

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [])
            return Result()

        self.start(app)
        self.assertEqual(self.request().raw, b"HTTP/1.1 200 OK\r\n\r\na")
        self.assertEqual(closed, ["closed"])

    # The slot's own 500 follows the HEAD rule too: no body.
    def test_raise_on_head_sends_no_body(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            raise ValueError("boom on HEAD")

        self.start(app)
        response = self.request(request_vars("HEAD"))
        self.assertEqual(response.status_line, "HTTP/1.1 500 Internal Server Error")
        self.assertEqual(response.body, b"")


# -- 6. streaming and files ----------------------------------------------------------------------


class StreamingTest(DirectTestCase):
    def test_generator_chunks(self) -> None:
        chunks = [b"first ", b"", b"b" * 100_000, b"c" * (2 << 20), b" end"]

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            yield from chunks

        self.start(app)
        response = self.request()
        self.assertEqual(response.head, b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
        self.assertTrue(response.body == b"".join(chunks))
        self.assertFalse(response.reset)

    def test_write_callable_then_iterable(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            write = start_response("200 OK", [])
            write(b"written ")
            write(b"w" * 300_000)
            return [b" returned"]

        self.start(app)
        self.assertTrue(self.request().body == b"written " + b"w" * 300_000 + b" returned")

    def test_big_single_item_list(self) -> None:
        body = os.urandom(3 << 20)
        self.start(simple_app(body, headers=[("Content-Length", str(len(body)))]))
        response = self.request()
        self.assertEqual(response.head, f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        self.assertTrue(response.body == body)

    def test_empty_list_and_empty_generator(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [("X-E", "1")])
            return [] if environ["PATH_INFO"] == "/list" else iter([b"", b""])

        self.start(app)
        self.assertEqual(self.request(request_vars("GET", "/list")).raw, b"HTTP/1.1 200 OK\r\nX-E: 1\r\n\r\n")
        self.assertEqual(self.request(request_vars("GET", "/gen")).raw, b"HTTP/1.1 200 OK\r\nX-E: 1\r\n\r\n")

    def file_app(self, data: bytes, offset: int = 0, length: Optional[int] = None,
                 closed: Optional[list[bool]] = None) -> App:
        path = os.path.join(self.tmp.name, "payload.bin")
        with open(path, "wb") as f:
            f.write(data)

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            f = open(path, "rb")
            f.seek(offset)
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            wrapper = environ["wsgi.file_wrapper"](f, 8192) if length is None else wsgi.FileWrapper(f, 8192, length)
            if closed is not None:
                original = wrapper.close
                record = closed

                def close() -> None:
                    original()
                    record.append(f.closed)

                wrapper.close = close
            return wrapper  # type: ignore[no-any-return]

        return app

    def test_file_wrapper_sends_the_exact_file(self) -> None:
        data = os.urandom(3 * 1024 * 1024 + 17)
        closed: list[bool] = []
        self.start(self.file_app(data, closed=closed))
        response = self.request()
        self.assertEqual(response.head, b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
        self.assertEqual(len(response.body), len(data))
        self.assertTrue(response.body == data)
        self.assertEqual(closed, [True])

    def test_file_wrapper_from_the_position_with_a_length(self) -> None:
        data = os.urandom(100_000)
        self.start(self.file_app(data, offset=1000, length=5000))
        self.assertTrue(self.request().body == data[1000:6000])

    def test_file_wrapper_from_the_position_to_the_end(self) -> None:
        data = os.urandom(100_000)
        self.start(self.file_app(data, offset=99_000))
        self.assertTrue(self.request().body == data[99_000:])

    def test_file_wrapper_over_a_non_file(self) -> None:
        data = os.urandom(50_000)

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [])
            return environ["wsgi.file_wrapper"](io.BytesIO(data), 4096)  # type: ignore[no-any-return]

        self.start(app)
        self.assertTrue(self.request().body == data)


# -- 7. malformed packets ------------------------------------------------------------------------


class MalformedPacketTest(DirectTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.seen: list[dict[str, Any]] = []

    def start_recording(self, **kwargs: Any) -> None:
        self.start(recording_app(self.seen, b"good"), **kwargs)

    def assert_refused(self, data: bytes, shut_write: bool = False, reason: str = "") -> None:
        response = self.exchange(data, shut_write=shut_write)
        self.assertEqual(response.raw, b"", "a refused packet got response bytes")
        self.assertEqual(self.seen, [], "the app was called for a refused packet")
        if reason:
            self.assertIn(reason, self.stderr.getvalue())
        # The slot goes on serving.
        good = self.request()
        self.assertEqual(good.raw, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\ngood")
        self.assertEqual(len(self.seen), 1)

    def test_bad_modifier1(self) -> None:
        self.start_recording()
        self.assert_refused(packet(request_vars(), modifier1=7), reason="unavailable modifier requested: 7")

    def test_bad_modifier1_in_a_packet_sent_in_pieces(self) -> None:
        self.start_recording()
        sock = self.connect()
        data = packet(request_vars(), modifier1=5)
        sock.sendall(data[:2])
        time.sleep(0.02)
        sock.sendall(data[2:])
        raw, _reset = read_all(sock)
        self.assertEqual(raw, b"")
        self.assertEqual(self.seen, [])
        self.assertEqual(self.request().body, b"good")

    def test_key_length_zero(self) -> None:
        self.start_recording()
        block = encode_vars(request_vars()) + b"\x00\x00\x01\x00x"
        self.assert_refused(raw_packet(block), reason="key length: 0")

    def test_key_length_past_the_block(self) -> None:
        self.start_recording()
        block = encode_vars(request_vars()) + b"\x10\x00ab"
        self.assert_refused(raw_packet(block), reason="key length: 16")

    def test_key_length_past_the_block_into_the_body(self) -> None:
        # The body bytes that follow the block must not be read as the rest of the key.
        self.start_recording()
        block = encode_vars(request_vars("POST", CONTENT_LENGTH="20")) + b"\x05\x00ab"
        self.assert_refused(raw_packet(block) + b"\x00\x01\x00x" + b"y" * 16, reason="key length: 5")

    def test_value_length_past_the_block(self) -> None:
        self.start_recording()
        block = encode_vars(request_vars()) + b"\x03\x00abc\x50\x00xy"
        self.assert_refused(raw_packet(block), reason="value length: 80")

    def test_truncated_key_length(self) -> None:
        self.start_recording()
        block = encode_vars(request_vars()) + b"\x03"
        self.assert_refused(raw_packet(block), reason="key length: truncated")

    def test_truncated_value_length(self) -> None:
        self.start_recording()
        block = encode_vars(request_vars()) + b"\x03\x00abc\x01"
        self.assert_refused(raw_packet(block), reason="value length: truncated")

    def test_truncated_header_then_close(self) -> None:
        self.start_recording()
        self.assert_refused(b"\x00\x10", shut_write=True, reason="closed its side in the middle of a request head (2 bytes)")

    def test_truncated_vars_then_close(self) -> None:
        self.start_recording()
        data = packet(request_vars())
        self.assert_refused(data[:-5], shut_write=True, reason=f"closed its side in the middle of a request head ({len(data) - 5} bytes)")

    def test_connect_and_close_without_a_byte(self) -> None:
        self.start_recording()
        self.assert_refused(b"", shut_write=True)

    def test_content_length_over_limit_post(self) -> None:
        self.start_recording(limit_post=100)
        self.assert_refused(packet(request_vars("POST", CONTENT_LENGTH="101")), reason="limit-post 100")
        # With the body sent too: still nothing answered (EOF or reset), and the app never runs.
        body = b"b" * 101
        response = self.exchange(packet(request_vars("POST", body=body), body))
        self.assertEqual(response.raw, b"")
        self.assertEqual(len(self.seen), 1)
        # At the limit is fine.
        body = b"b" * 100
        self.assertEqual(self.request(request_vars("POST", body=body), body).body, b"good")

    def test_content_length_over_long_max(self) -> None:
        self.start_recording()
        self.assert_refused(packet(request_vars("POST", CONTENT_LENGTH="9" * 20)), reason="content length")

    def test_block_larger_than_buffer_size(self) -> None:
        self.start_recording(buffer_size=1024)
        self.assert_refused(packet(request_vars(HTTP_COOKIE="c" * 2000)), reason="uwsgi block size")

    def test_too_many_vars(self) -> None:
        self.start_recording()
        env = [(f"HTTP_X_{i}", "") for i in range(uwsgi_packet.MAX_VARS + 1)]
        self.assert_refused(packet(env), reason="more than 1024")

    def test_refused_packets_are_not_logged(self) -> None:
        self.start_recording(log_flags=protocol.DIRECT_LOG_ALL)
        self.assert_refused(raw_packet(b"\x00\x00"))
        assert self.master is not None
        frame = self.master.recv(TIMEOUT)  # the good request's log line only
        self.assertEqual(frame.type, protocol.DIRECT_LOG)
        self.assertEqual(protocol.DIRECT_LOG_HEAD.unpack_from(frame.payload)[0], 200)
        with self.assertRaises(TimeoutError):
            self.master.recv(0.1)


# -- 8. vars the app must not see, or sees rewritten ---------------------------------------------


class VarsTest(DirectTestCase):
    def environ_of(self, env: Vars, modifier1: int = 0) -> dict[str, Any]:
        """The environ the app saw for one request (one slot serves all of a test's requests)."""
        if self.thread is None:
            self.seen: list[dict[str, Any]] = []
            self.start(recording_app(self.seen))
        count = len(self.seen)
        self.assertEqual(self.request(env, modifier1=modifier1).body, b"ok")
        self.assertEqual(len(self.seen), count + 1)
        return self.seen[-1]

    def test_magic_variables_are_dropped(self) -> None:
        env = request_vars()
        for name in uwsgi_packet._MAGIC:
            env[name] = "/tmp/evil"
        env["UWSGI_OTHER"] = "kept"
        got = self.environ_of(env)
        for name in ("UWSGI_SCRIPT", "UWSGI_MODULE", "UWSGI_CALLABLE", "UWSGI_FILE", "UWSGI_PYHOME",
                     "UWSGI_CHDIR", "UWSGI_SETENV", "UWSGI_POSTFILE", "UWSGI_TOUCH_RELOAD", "UWSGI_APPID",
                     "UWSGI_CACHE_GET"):
            self.assertNotIn(name, got)
        self.assertEqual(got["UWSGI_OTHER"], "kept")
        self.assertEqual(got["PATH_INFO"], "/")

    def test_modifier1_30_strips_script_name(self) -> None:
        cases = [
            (30, "/app", "/app/page", "/page"),
            (30, "/app", "/app", ""),
            (30, "/app", "/other/page", "/other/page"),
            (30, "", "/app/page", "/app/page"),
            (0, "/app", "/app/page", "/app/page"),
        ]
        for modifier1, script, path, expected in cases:
            with self.subTest(modifier1=modifier1, script=script, path=path):
                got = self.environ_of(request_vars("GET", path, SCRIPT_NAME=script), modifier1)
                self.assertEqual(got["PATH_INFO"], expected)
                self.assertEqual(got["SCRIPT_NAME"], script)

    def test_url_scheme(self) -> None:
        cases: list[tuple[dict[str, str], str]] = [
            ({}, "http"),
            ({"HTTPS": "on"}, "https"),
            ({"HTTPS": "ON"}, "https"),
            ({"HTTPS": "1"}, "https"),
            ({"HTTPS": "off"}, "http"),
            ({"UWSGI_SCHEME": "https"}, "https"),
            ({"UWSGI_SCHEME": "HTTPS"}, "https"),
            ({"UWSGI_SCHEME": "http", "HTTPS": "on"}, "http"),
            ({"UWSGI_SCHEME": "other", "HTTPS": "on"}, "https"),
        ]
        for extra, scheme in cases:
            with self.subTest(extra=extra):
                env = request_vars()
                env.update(extra)
                self.assertEqual(self.environ_of(env)["wsgi.url_scheme"], scheme)

    def test_first_remote_addr_wins(self) -> None:
        env = list(request_vars().items()) + [("REMOTE_ADDR", "10.0.0.1"), ("REMOTE_ADDR", "6.6.6.6")]
        self.assertEqual(self.environ_of(env)["REMOTE_ADDR"], "10.0.0.1")

    def test_last_duplicate_wins_for_other_keys(self) -> None:
        env = list(request_vars().items()) + [("HTTP_X_DUP", "one"), ("HTTP_X_DUP", "two"), ("PATH_INFO", "/last")]
        got = self.environ_of(env)
        self.assertEqual((got["HTTP_X_DUP"], got["PATH_INFO"]), ("two", "/last"))

    def test_duplicates_of_both_kinds_together(self) -> None:
        env = [("REMOTE_ADDR", "10.0.0.1"), ("HTTP_X_DUP", "one"), ("REMOTE_ADDR", "6.6.6.6"),
               ("HTTP_X_DUP", "two"), ("SERVER_PROTOCOL", "HTTP/1.1")]
        got = self.environ_of(env)
        self.assertEqual((got["REMOTE_ADDR"], got["HTTP_X_DUP"]), ("10.0.0.1", "two"))


# -- 9. scoreboard ------------------------------------------------------------------------------


class ScoreboardTest(DirectTestCase):
    def test_requests_counted_and_started_cleared(self) -> None:
        self.start(simple_app())
        for n in range(1, 6):
            self.assertEqual(self.request().body, b"ok")
            self.settle()
            self.assertEqual(self.cell(1), n)
            self.assertEqual(self.cell(0), 0)
            self.assertEqual(self.cell(2), 0)
        # Only the slot's own cell is written.
        self.assertEqual(self.board[:OFFSET], b"\0" * OFFSET)
        self.assertEqual(self.board[OFFSET + direct.CELL_SIZE :], b"\0" * (BOARD_SIZE - OFFSET - direct.CELL_SIZE))

    def test_started_is_set_while_the_app_runs(self) -> None:
        entered = self.event()
        release = self.event()

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            entered.set()
            release.wait(TIMEOUT)
            start_response("200 OK", [])
            return [b"done"]

        self.start(app)
        before = time.monotonic_ns()  # the cell is written at accept, which may follow connect at once
        sock = self.connect()
        sock.sendall(packet(request_vars()))
        self.assertTrue(entered.wait(TIMEOUT))
        started = self.cell(0)
        self.assertNotEqual(started, 0)
        self.assertLessEqual(before, started)
        self.assertLessEqual(started, time.monotonic_ns())
        self.assertEqual(self.cell(1), 0)
        release.set()
        raw, _reset = read_all(sock)
        self.assertEqual(raw, b"HTTP/1.1 200 OK\r\n\r\ndone")
        self.settle()
        self.assertEqual((self.cell(0), self.cell(1)), (0, 1))

    def test_serve_resets_the_cell(self) -> None:
        struct.pack_into("<QQQQ", self.board, OFFSET, 11, 22, 33, 44)
        self.start(simple_app())
        self.request()
        self.settle()
        self.assertEqual((self.cell(0), self.cell(1), self.cell(2)), (0, 1, 0))


# -- 10. request log frames ----------------------------------------------------------------------


class LogTest(DirectTestCase):
    STATUSES = {"/ok": "200 OK", "/missing": "404 Not Found", "/teapot": "418 I'm a teapot",
                "/unavailable": "503 Service Unavailable", "/empty": "200 OK", "/big": "200 OK",
                "/stream": "200 OK"}

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/raise":
            raise RuntimeError("boom")
        start_response(self.STATUSES[path], [("Content-Type", "text/plain"), ("X-Path", path)])
        if path == "/empty":
            return []
        if path == "/big":
            return [b"B" * 100_000]
        if path == "/stream":
            return iter([b"one ", b"", b"two ", b"three"])
        return [b"body of " + path.encode()]

    def frames(self, timeout: float = 0.1) -> list[protocol.Frame]:
        """The frames on the master's end; responses are complete before this is called, and the
        log frame follows the end of the connection within microseconds, so a short wait is enough."""
        assert self.master is not None
        frames = []
        while True:
            try:
                frames.append(self.master.recv(timeout))
            except TimeoutError:
                return frames

    def statuses(self, paths: list[str]) -> list[int]:
        for path in paths:
            self.request(request_vars("GET", path))
        frames = self.frames()
        self.assertTrue(all(f.type == protocol.DIRECT_LOG for f in frames), frames)
        return [protocol.DIRECT_LOG_HEAD.unpack_from(f.payload)[0] for f in frames]

    PATHS = ["/ok", "/missing", "/raise", "/teapot", "/empty", "/unavailable", "/ok"]

    def test_log_all(self) -> None:
        self.start(self.app, log_flags=protocol.DIRECT_LOG_ALL)
        env = request_vars("GET", "/ok", "a=1", HTTP_USER_AGENT="test-agent")
        before_micros = time.time_ns() // 1000
        response = self.request(env)
        after_micros = time.time_ns() // 1000
        frames = self.frames()
        self.assertEqual([f.type for f in frames], [protocol.DIRECT_LOG])
        payload = frames[0].payload
        status, headers, head_bytes, body_bytes, nanos, start_micros = protocol.DIRECT_LOG_HEAD.unpack_from(payload)
        self.assertEqual(status, 200)
        self.assertEqual(headers, 2)
        self.assertEqual(head_bytes, len(response.head))
        self.assertEqual(body_bytes, len(response.body))
        self.assertGreater(nanos, 0)
        self.assertLess(nanos, 5 * 10**9)
        self.assertLessEqual(before_micros - 1000, start_micros)
        self.assertLessEqual(start_micros, after_micros)
        # The packet as received: header and vars, never the body.
        self.assertEqual(payload[protocol.DIRECT_LOG_HEAD.size :], packet(env))
        self.assertEqual(self.statuses(self.PATHS), [200, 404, 500, 418, 200, 503, 200])

    def test_logged_sizes_are_what_the_client_got(self) -> None:
        """Head and body bytes for every way an answer leaves: with its first chunk, alone (no
        body, HEAD), in one sendmsg (a large body), and chunk by chunk."""
        self.start(self.app, log_flags=protocol.DIRECT_LOG_ALL)
        for method, path in [("GET", "/ok"), ("GET", "/empty"), ("HEAD", "/ok"), ("GET", "/big"),
                             ("GET", "/stream")]:
            with self.subTest(method=method, path=path):
                response = self.request(request_vars(method, path))
                frames = self.frames()
                self.assertEqual([f.type for f in frames], [protocol.DIRECT_LOG])
                _status, _headers, head_bytes, body_bytes, _nanos, _micros = protocol.DIRECT_LOG_HEAD.unpack_from(
                    frames[0].payload)
                self.assertEqual((head_bytes, body_bytes), (len(response.head), len(response.body)))
                self.assertEqual(len(response.body), {"/empty": 0, "/big": 100_000, "/stream": 13}.get(
                    path, 0 if method == "HEAD" else len(b"body of /ok")))

    def test_log_packet_excludes_the_body(self) -> None:
        self.start(self.app, log_flags=protocol.DIRECT_LOG_ALL)
        env = request_vars("POST", "/ok", body=b"secret body")
        self.request(env, b"secret body")
        frames = self.frames()
        self.assertEqual(len(frames), 1)
        self.assertEqual(frames[0].payload[protocol.DIRECT_LOG_HEAD.size :], packet(env))

    def test_log_errors_only(self) -> None:
        self.start(self.app, log_flags=protocol.DIRECT_LOG_4XX | protocol.DIRECT_LOG_5XX)
        self.assertEqual(self.statuses(self.PATHS), [404, 500, 418, 503])

    def test_log_4xx_only(self) -> None:
        self.start(self.app, log_flags=protocol.DIRECT_LOG_4XX)
        self.assertEqual(self.statuses(self.PATHS), [404, 418])

    def test_log_5xx_only(self) -> None:
        self.start(self.app, log_flags=protocol.DIRECT_LOG_5XX)
        self.assertEqual(self.statuses(self.PATHS), [500, 503])

    def test_log_nothing(self) -> None:
        self.start(self.app, log_flags=0)
        self.assertEqual(self.statuses(self.PATHS + ["/big"]), [])

    def test_log_zero_size_bodies(self) -> None:
        self.start(self.app, log_flags=protocol.DIRECT_LOG_ZERO)
        self.request(request_vars("HEAD", "/ok"))
        self.assertEqual(self.statuses(["/ok", "/empty", "/missing"]), [200, 200])

    def test_log_big_responses(self) -> None:
        self.start(self.app, log_big_bytes=50_000)
        self.assertEqual(self.statuses(["/ok", "/big", "/missing"]), [200])

    def test_log_slow_requests(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ["PATH_INFO"] == "/slow":
                time.sleep(0.12)
            start_response("200 OK", [])
            return [b""]

        self.start(app, log_slow_ms=80)
        frames = []
        for path in ("/fast", "/slow", "/fast"):
            self.request(request_vars("GET", path))
            frames.extend(self.frames(0.05))
        self.assertEqual(len(frames), 1)
        nanos = protocol.DIRECT_LOG_HEAD.unpack_from(frames[0].payload)[4]
        self.assertGreaterEqual(nanos, 80_000_000)
        self.assertIn(b"/slow", frames[0].payload)

    def test_log_of_a_500_from_the_slot(self) -> None:
        self.start(self.app, log_flags=protocol.DIRECT_LOG_ALL)
        response = self.request(request_vars("GET", "/raise"))
        self.assertEqual(response.raw, ERROR_500)
        (frame,) = self.frames()
        status, _headers, head_bytes, body_bytes, _nanos, _micros = protocol.DIRECT_LOG_HEAD.unpack_from(frame.payload)
        self.assertEqual((status, head_bytes, body_bytes), (500, len(response.head), len(response.body)))

    # The log frame of the slot's own 500 counts the fields it sent (Content-Type, Content-Length).
    def test_log_headers_count_of_a_500_from_the_slot(self) -> None:
        self.start(self.app, log_flags=protocol.DIRECT_LOG_ALL)
        self.assertEqual(self.request(request_vars("GET", "/raise")).raw, ERROR_500)
        (frame,) = self.frames()
        self.assertEqual(protocol.DIRECT_LOG_HEAD.unpack_from(frame.payload)[1], 2)


# -- 11. DIRECT_STOP and the channel -------------------------------------------------------------


class ChannelTest(DirectTestCase):
    def test_direct_stop(self) -> None:
        handler = self.start(simple_app(b"served"))
        assert self.master is not None
        self.assertEqual(self.request().body, b"served")
        request = protocol.encode_request(protocol.NO_BODY, protocol.encode_environ({"REQUEST_METHOD": "GET"}))
        self.master.send(protocol.encode_frame(protocol.DIRECT_STOP) + request)
        # The REQUEST after DIRECT_STOP reaches handle(): DIRECT_STOP has been read by then.
        self.assertTrue(handler.handled_event.wait(TIMEOUT))
        self.assertEqual(handler.handled, [request[protocol.HEADER_SIZE :]])
        sock = self.connect()  # the listen backlog still takes it
        sock.sendall(packet(request_vars()))
        sock.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            sock.recv(1)
        self.assertEqual(self.cell(1), 1)
        # Still a slot: relayed requests go on being handled.
        handler.handled_event.clear()
        self.master.send(request)
        self.assertTrue(handler.handled_event.wait(TIMEOUT))
        self.assertEqual(len(handler.handled), 2)

    def test_request_frames_are_handled_between_direct_requests(self) -> None:
        handler = self.start(simple_app(b"served"))
        assert self.master is not None
        request = protocol.encode_request(protocol.NO_BODY, protocol.encode_environ({"PATH_INFO": "/relayed"}))
        self.master.send(request + protocol.encode_frame(protocol.ABORT) + request)
        self.assertEqual(self.request().body, b"served")
        deadline = time.monotonic() + TIMEOUT
        while len(handler.handled) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        self.assertEqual(handler.handled, [request[protocol.HEADER_SIZE :]] * 2)
        self.assertEqual(self.request().body, b"served")

    def test_channel_eof_raises_channel_closed(self) -> None:
        self.start(simple_app())
        self.assertEqual(self.request().body, b"ok")
        self.assertIsInstance(self.stop(), ChannelClosed)

    def test_errors_of_handle_propagate(self) -> None:
        def handle(payload: bytes) -> None:
            raise LookupError("from handle")

        self.start(simple_app(), handle=handle)
        assert self.master is not None
        self.master.send(protocol.encode_request(protocol.NO_BODY, protocol.encode_environ({})))
        assert self.thread is not None
        self.thread.join(TIMEOUT)
        self.assertFalse(self.thread.is_alive())
        self.assertIsInstance(self.slot_error, LookupError)
        self.slot_error = ChannelClosed("checked above")  # for tearDown


# -- 12. user harakiri ---------------------------------------------------------------------------


class HarakiriTest(DirectTestCase):
    def test_set_harakiri_writes_the_deadline_and_it_is_cleared(self) -> None:
        seen: list[tuple[bool, int, int, int]] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            before = time.monotonic_ns()
            ok = direct.set_harakiri(5)
            after = time.monotonic_ns()
            seen.append((ok, before, self.cell(2), after))
            start_response("200 OK", [])
            return [b"ok"]

        self.start(app)
        self.assertEqual(self.request().body, b"ok")
        ok, before, deadline, after = seen[0]
        self.assertTrue(ok)
        self.assertLessEqual(before + 5 * 10**9, deadline)
        self.assertLessEqual(deadline, after + 5 * 10**9)
        self.settle()
        self.assertEqual(self.cell(2), 0)
        # The next request starts without a deadline.
        self.assertEqual(self.request().body, b"ok")
        self.settle()
        self.assertEqual(self.cell(2), 0)

    def test_set_harakiri_zero_clears_during_the_request(self) -> None:
        seen: list[int] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            direct.set_harakiri(30)
            seen.append(self.cell(2))
            self.assertTrue(direct.set_harakiri(0))
            seen.append(self.cell(2))
            start_response("200 OK", [])
            return [b"ok"]

        self.start(app)
        self.assertEqual(self.request().body, b"ok")
        self.assertNotEqual(seen[0], 0)
        self.assertEqual(seen[1], 0)
        self.assertEqual(self.cell(2), 0)

    def test_deadline_visible_while_the_request_runs(self) -> None:
        entered = self.event()
        release = self.event()

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            api.set_user_harakiri(7)  # the uwsgi API goes to the scoreboard, not the channel
            entered.set()
            release.wait(TIMEOUT)
            start_response("200 OK", [])
            return [b"ok"]

        self.start(app)
        sock = self.connect()
        sock.sendall(packet(request_vars()))
        self.assertTrue(entered.wait(TIMEOUT))
        deadline = self.cell(2)
        now = time.monotonic_ns()
        self.assertGreater(deadline, now + 6 * 10**9)
        self.assertLessEqual(deadline, now + 7 * 10**9)
        release.set()
        self.assertEqual(read_all(sock)[0], b"HTTP/1.1 200 OK\r\n\r\nok")
        self.settle()
        self.assertEqual(self.cell(2), 0)
        assert self.master is not None
        with self.assertRaises(TimeoutError):  # no SET_HARAKIRI frame
            self.master.recv(0.05)

    # A huge value is capped at 0x7FFFFFFF s, as on the relayed path, instead of failing the request.
    def test_huge_user_harakiri_does_not_fail_the_request(self) -> None:
        errors: list[BaseException] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            try:
                api.set_user_harakiri(2**40)
            except Exception as exc:
                errors.append(exc)
            start_response("200 OK", [])
            return [b"ok"]

        self.start(app)
        self.assertEqual(self.request().body, b"ok")
        self.assertEqual(errors, [])

    def test_set_harakiri_outside_a_direct_request(self) -> None:
        self.assertFalse(direct.set_harakiri(5))  # not a slot thread
        results: list[bool] = []
        handler = self.start(simple_app(), handle=lambda payload: results.append(direct.set_harakiri(5)))
        assert self.master is not None
        # In the slot's thread, but between direct requests (a relayed REQUEST).
        self.request()
        self.master.send(protocol.encode_request(protocol.NO_BODY, protocol.encode_environ({})))
        self.assertTrue(handler.handled_event.wait(TIMEOUT))
        self.assertEqual(results, [False])
        self.assertEqual(self.cell(2), 0)
        self.assertFalse(direct.set_harakiri(5))


# -- clients that are slow or go away -----------------------------------------------------------


class ClientTest(DirectTestCase):
    def test_incomplete_packet_times_out(self) -> None:
        seen: list[dict[str, Any]] = []
        self.start(recording_app(seen), socket_timeout_ms=100)
        sock = self.connect()
        sock.sendall(b"\x00\x10")  # and then nothing, without closing
        started = time.monotonic()
        raw, _reset = read_all(sock)
        self.assertEqual(raw, b"")
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertIn("sent no complete packet in 100 ms", self.stderr.getvalue())
        self.assertEqual(seen, [])
        self.assertEqual(self.request().body, b"ok")

    def body_error_app(self, errors: list[str]) -> App:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ["REQUEST_METHOD"] == "POST":
                try:
                    environ["wsgi.input"].read()
                except OSError as exc:
                    errors.append(str(exc))
                    raise
            start_response("200 OK", [])
            return [b"ok"]

        return app

    def test_body_read_times_out(self) -> None:
        errors: list[str] = []
        self.start(self.body_error_app(errors), socket_timeout_ms=100)
        sock = self.connect()
        sock.sendall(packet(request_vars("POST", CONTENT_LENGTH="1000"), b"only ten b"))
        raw, _reset = read_all(sock)
        self.assertEqual(raw, ERROR_500)  # the app let the OSError through
        self.assertEqual(len(errors), 1)
        self.assertIn("request body", errors[0])
        self.assertEqual(self.request().body, b"ok")

    def test_client_gone_during_the_body(self) -> None:
        errors: list[str] = []
        self.start(self.body_error_app(errors))
        sock = self.connect()
        sock.sendall(packet(request_vars("POST", CONTENT_LENGTH="100000"), b"x" * 70_000))
        sock.shutdown(socket.SHUT_WR)
        raw, _reset = read_all(sock)
        self.assertEqual(raw, ERROR_500)
        self.assertEqual(errors, ["request body aborted (client gone)"])
        self.assertEqual(self.request().body, b"ok")

    def test_client_gone_during_the_response(self) -> None:
        chunks_sent: list[int] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("200 OK", [])
            if environ["PATH_INFO"] == "/short":
                yield b"short"
                return
            for i in range(2000):  # 2000 MiB: far more than any socket buffer holds
                chunks_sent.append(i)
                yield b"z" * (1 << 20)

        self.start(app)
        sock = self.connect()
        sock.sendall(packet(request_vars("GET", "/long")))
        self.assertTrue(sock.recv(65536).startswith(b"HTTP/1.1 200 OK\r\n"))
        sock.close()
        response = self.request(request_vars("GET", "/short"))
        self.assertEqual(response.raw, b"HTTP/1.1 200 OK\r\n\r\nshort")
        self.assertLess(len(chunks_sent), 2000)
        self.settle()
        self.assertEqual(self.cell(1), 2)

    def test_multithreaded_worker_counts_requests_in_flight(self) -> None:
        entered = self.event()
        release = self.event()

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            entered.set()
            release.wait(TIMEOUT)
            start_response("200 OK", [])
            return [b"ok"]

        active = direct.quiesce.active
        self.start(app, threads=4)
        sock = self.connect()
        sock.sendall(packet(request_vars()))
        self.assertTrue(entered.wait(TIMEOUT))
        self.assertEqual(direct.quiesce.active, active + 1)
        release.set()
        self.assertEqual(read_all(sock)[0], b"HTTP/1.1 200 OK\r\n\r\nok")
        # The count drops just after the connection closes: wait for it, briefly.
        deadline = time.monotonic() + TIMEOUT
        while direct.quiesce.active != active and time.monotonic() < deadline:
            time.sleep(0.001)
        self.assertEqual(direct.quiesce.active, active)


# -- 13. decode_packet ---------------------------------------------------------------------------


def no_local() -> tuple[str, str]:
    raise AssertionError("local address looked up although SERVER_NAME and SERVER_PORT were given")


class DecodePacketTest(unittest.TestCase):
    def decode(self, data: bytes, peer: str = "192.0.2.1",
               local: Callable[[], tuple[str, str]] = lambda: ("host.test", "81")) -> tuple[dict[str, Any], int, str]:
        return decode_packet(data, local, peer, {})

    def test_minimal_packet(self) -> None:
        env, length, prefix = self.decode(b"\x00\x00\x00\x00")
        self.assertEqual(env, {"SCRIPT_NAME": "", "PATH_INFO": "", "QUERY_STRING": "", "SERVER_NAME": "host.test",
                               "SERVER_PORT": "81", "REMOTE_ADDR": "192.0.2.1", "wsgi.url_scheme": "http"})
        self.assertEqual((length, prefix), (0, "HTTP/1.0 "))

    def test_full_packet_with_body_bytes_after_it(self) -> None:
        vars_ = request_vars("POST", "/p", "q=1", SERVER_NAME="s", SERVER_PORT="1", REMOTE_ADDR="10.0.0.9",
                             CONTENT_LENGTH="4", HTTP_X="caf\xe9")
        env, length, prefix = decode_packet(packet(vars_, b"BODY"), no_local, "peer", {})
        self.assertEqual(env, dict(vars_, **{"wsgi.url_scheme": "http", "SCRIPT_NAME": ""}))
        self.assertEqual((length, prefix), (4, "HTTP/1.1 "))

    def test_template_path_matches_the_first_decode(self) -> None:
        """A proxy's packets repeat their keys: after a few, they decode through the template into
        a copy that already holds the base environ, and must come out as the first one did."""
        base = {"wsgi.version": (1, 0), "wsgi.errors": sys.stderr, "wsgi.run_once": False}
        cases = {
            "nginx": request_vars("GET", "/p", "q=1", SERVER_NAME="s", SERVER_PORT="1", REMOTE_ADDR="10.0.0.9",
                                  CONTENT_LENGTH="", DOCUMENT_ROOT="/srv"),
            # A packet var named like a base key, or like one the decoder sets, never wins.
            "base key": request_vars("GET", "/", SERVER_NAME="s", SERVER_PORT="1", REMOTE_ADDR="10.0.0.9",
                                     **{"wsgi.errors": "nope", "SCRIPT_NAME": ""}),
            "own key": request_vars("GET", "/", SERVER_NAME="s", SERVER_PORT="1", REMOTE_ADDR="10.0.0.9",
                                    **{"wsgi.url_scheme": "https", "wsgi.input": "x", "SCRIPT_NAME": ""}),
            "defaults": {"REQUEST_METHOD": "GET", "CONTENT_LENGTH": "7"},
        }
        for name, vars_ in cases.items():
            with self.subTest(name):
                results = []
                for n in range(6):
                    body_vars = dict(vars_, **({"QUERY_STRING": f"n={n}"} if "QUERY_STRING" in vars_ else {}))
                    env, length, prefix = decode_packet(packet(body_vars), lambda: ("host.test", "81"), "peer", base)
                    env.pop("wsgi.input", None)  # the caller sets it
                    results.append((env, length, prefix))
                    self.assertIs(env["wsgi.errors"], sys.stderr)
                    self.assertEqual(env["wsgi.url_scheme"], "http")
                    if "QUERY_STRING" in vars_:
                        self.assertEqual(env["QUERY_STRING"], f"n={n}")
                        env["QUERY_STRING"] = vars_["QUERY_STRING"]
                self.assertEqual([r for r in results], [results[0]] * 6)

    def test_a_var_cut_off_by_the_block_end_is_not_remembered(self) -> None:
        """The template remembers each var's last bytes; a var whose value runs past the block must
        not be remembered, or a later value that starts with the same bytes would take its place."""
        vars_ = {"REQUEST_METHOD": "GET", "SERVER_NAME": "s", "SERVER_PORT": "1", "REMOTE_ADDR": "10.0.0.9",
                 "HTTP_X": "hello"}
        for _ in range(4):
            self.decode(packet(vars_))  # the template, with HTTP_X remembered as "hello"
        whole = encode_vars(dict(vars_, HTTP_X="helloworld"))
        cut = whole[: len(whole) - len("loworld")]  # HTTP_X claims 10 bytes; the block ends after "hel"
        with self.assertRaises(PacketError):
            self.decode(raw_packet(cut))
        env, _, _ = self.decode(raw_packet(whole))
        self.assertEqual(env["HTTP_X"], "helloworld")

    def test_remembered_values_follow_each_packet(self) -> None:
        """Vars that repeat decode from the template's memory, others from the packet, in any mix."""
        base = {"REQUEST_METHOD": "GET", "SERVER_NAME": "s", "SERVER_PORT": "1", "REMOTE_ADDR": "10.0.0.9",
                "HTTP_A": "a", "HTTP_B": "b"}
        variants = [{}, {"HTTP_A": "A2"}, {}, {"HTTP_B": ""}, {"HTTP_A": "", "HTTP_B": "b" * 300}, {},
                    {"SERVER_NAME": "other"}, {}]
        for _ in range(2):
            for change in variants:
                vars_ = dict(base, **change)
                env, _, _ = self.decode(packet(vars_))
                self.assertEqual({k: env[k] for k in vars_}, vars_)

    def test_only_one_of_server_name_and_port(self) -> None:
        env, _, _ = self.decode(packet({"SERVER_NAME": "given"}))
        self.assertEqual((env["SERVER_NAME"], env["SERVER_PORT"]), ("given", "81"))
        env, _, _ = self.decode(packet({"SERVER_PORT": "99"}))
        self.assertEqual((env["SERVER_NAME"], env["SERVER_PORT"]), ("host.test", "99"))

    def test_modifier1_30(self) -> None:
        env, _, _ = self.decode(packet({"SCRIPT_NAME": "/s", "PATH_INFO": "/s/x"}, modifier1=30))
        self.assertEqual((env["SCRIPT_NAME"], env["PATH_INFO"]), ("/s", "/x"))

    def test_content_length(self) -> None:
        cases = [
            ("12abc", 12),
            ("12", 12),
            ("0", 0),
            ("", 0),
            ("abc", 0),
            (" 5", 0),
            ("\xb2", 0),  # "²": isdigit(), but not an ASCII digit
            (str(LONG_MAX), LONG_MAX),
            ("9" * 19 + "x", None),
            (str(LONG_MAX + 1), None),
            ("1" * 20, None),
            ("9" * 100, None),
        ]
        for value, expected in cases:
            with self.subTest(value=value):
                data = packet({"CONTENT_LENGTH": value})
                if expected is None:
                    with self.assertRaisesRegex(PacketError, "content length"):
                        self.decode(data)
                else:
                    self.assertEqual(self.decode(data)[1], expected)

    def test_status_line_prefixes(self) -> None:
        for proto, prefix in [("HTTP/1.0", "HTTP/1.0 "), ("HTTP/1.1", "HTTP/1.1 "), ("HTTP/2.0", "HTTP/2.0 "),
                              ("HTTP/3.0", "HTTP/3.0 "), ("HTTP/9.9", "HTTP/1.0 "), ("junk", "HTTP/1.0 ")]:
            with self.subTest(proto=proto):
                self.assertEqual(self.decode(packet({"SERVER_PROTOCOL": proto}))[2], prefix)

    def test_duplicates(self) -> None:
        env, _, _ = self.decode(packet([("REMOTE_ADDR", "1.1.1.1"), ("A", "1"), ("REMOTE_ADDR", "2.2.2.2"),
                                        ("A", "2")]))
        self.assertEqual((env["REMOTE_ADDR"], env["A"]), ("1.1.1.1", "2"))
        env, _, _ = self.decode(packet([("A", "1"), ("A", "2")]))
        self.assertEqual(env["A"], "2")

    def test_magic_variables(self) -> None:
        saved = sys.stderr
        sys.stderr = io.StringIO()  # the one-time warning about dropped variables
        self.addCleanup(setattr, sys, "stderr", saved)
        env, _, _ = self.decode(packet({"UWSGI_SCRIPT": "x", "UWSGI_FILE": "y", "UWSGI_SCHEME": "https"}))
        self.assertNotIn("UWSGI_SCRIPT", env)
        self.assertNotIn("UWSGI_FILE", env)
        self.assertEqual(env["wsgi.url_scheme"], "https")

    def test_max_vars(self) -> None:
        env, _, _ = self.decode(packet([(f"K{i}", "") for i in range(uwsgi_packet.MAX_VARS)]))
        self.assertEqual(len([k for k in env if k.startswith("K")]), uwsgi_packet.MAX_VARS)
        with self.assertRaisesRegex(PacketError, "more than"):
            self.decode(packet([(f"K{i}", "") for i in range(uwsgi_packet.MAX_VARS + 1)]))

    def test_invalid_packets(self) -> None:
        good = encode_vars({"A": "b"})
        cases = [
            (packet({"A": "b"}, modifier1=7), "modifier"),
            (packet({"A": "b"}, modifier1=1), "modifier"),
            (raw_packet(good + b"\x00\x00"), "key length: 0"),
            (raw_packet(good + b"\x00\x00\x01\x00v"), "key length: 0"),
            (raw_packet(good + b"\x09\x00abc"), "key length: 9"),
            (raw_packet(good + b"\x09\x00abc") + b"\x00" * 20, "key length: 9"),
            (raw_packet(good + b"\x01\x00k\x09\x00abc"), "value length: 9"),
            (raw_packet(good + b"\x01\x00k\x09\x00abc") + b"\x00" * 20, "value length: 9"),
            (raw_packet(good + b"\x01"), "key length: truncated"),
            (raw_packet(good + b"\x01\x00k"), "value length: truncated"),
            (raw_packet(good + b"\x01\x00k\x01"), "value length: truncated"),
        ]
        for data, message in cases:
            with self.subTest(data=data):
                with self.assertRaisesRegex(PacketError, message):
                    self.decode(data)

    def test_checked_path_decodes_odd_but_valid_packets(self) -> None:
        # A value that contains the REMOTE_ADDR key bytes sends the decoder down the checked path,
        # which must decode exactly as the fast path would.
        tricky = "\x0b\x00REMOTE_ADDR"
        env, _, _ = self.decode(packet([("X", tricky), ("Y", tricky), ("REMOTE_ADDR", "3.3.3.3")]))
        self.assertEqual((env["X"], env["Y"], env["REMOTE_ADDR"]), (tricky, tricky, "3.3.3.3"))


if __name__ == "__main__":
    unittest.main()
