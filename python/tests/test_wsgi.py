"""wsgi.py driven over socket.socketpair(): the test plays the master."""

from __future__ import annotations

import io
import os
import socket
import sys
import tempfile
import threading
import unittest
from typing import Any, Callable, Dict, Iterable, Iterator, Optional

from support import FrameConn, protocol, request_environ

from regent.channel import Channel
from regent.errors import ChannelClosed, ChannelError, ProtocolError
from regent.wsgi import FileWrapper, SlotHandler, base_environ, build_head

App = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Response:
    def __init__(self, head: protocol.ResponseHead, frames: list[protocol.Frame]) -> None:
        self.head = head
        self.frames = frames

    @property
    def status(self) -> int:
        return self.head.status

    @property
    def body(self) -> bytes:
        return b"".join(f.payload for f in self.frames if f.type == protocol.RESPONSE_BODY)

    @property
    def end(self) -> int:
        last = self.frames[-1]
        assert last.type == protocol.RESPONSE_END, last
        return last.payload[0]

    def header_lines(self) -> list[str]:
        return self.head.block.decode("latin-1").split("\r\n")[1:-1]


class SlotHarness:
    """Runs a SlotHandler in a thread on one end of a socketpair."""

    def __init__(self, app: App, processes: int = 2, threads: int = 1) -> None:
        master_sock, slot_sock = socket.socketpair()
        self.master = FrameConn(master_sock)
        self.handler = SlotHandler(Channel(slot_sock), app, base_environ(processes, threads))
        self.error: Optional[BaseException] = None
        self.stderr = io.StringIO()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            self.handler.serve()
        except ChannelClosed:
            pass
        except BaseException as exc:  # surfaced by close()
            self.error = exc
        finally:
            self.handler.channel.close()

    def send_request(
        self, environ: Optional[dict[str, str]] = None, body: Optional[list[bytes]] = None, aborted: bool = False
    ) -> None:
        env = environ if environ is not None else request_environ()
        if body is None:
            self.master.send(protocol.encode_request(protocol.NO_BODY, protocol.encode_environ(env)))
            return
        data = protocol.encode_request(0, protocol.encode_environ(env))
        for chunk in body:
            data += protocol.encode_body(chunk)
        self.master.send(data + protocol.encode_body_end(aborted))

    def read_response(self) -> Response:
        head = protocol.decode_response_head(self.master.expect(protocol.RESPONSE_HEAD).payload)
        frames = []
        while True:
            frame = self.master.recv()
            frames.append(frame)
            if frame.type == protocol.RESPONSE_END:
                return Response(head, frames)

    def request(self, environ: Optional[dict[str, str]] = None, body: Optional[list[bytes]] = None) -> Response:
        self.send_request(environ, body)
        return self.read_response()

    def close(self) -> None:
        self.master.close()
        self.thread.join(5)
        if self.error is not None:
            raise self.error


def quiet_stderr(test: unittest.TestCase) -> io.StringIO:
    """Capture what the handler logs (tracebacks) instead of cluttering the run."""
    captured = io.StringIO()
    saved = sys.stderr
    sys.stderr = captured
    test.addCleanup(setattr, sys, "stderr", saved)
    return captured


def simple_app(body: bytes = b"ok", headers: Optional[list[tuple[str, str]]] = None) -> App:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", headers if headers is not None else [("Content-Type", "text/plain")])
        return [body]

    return app


class WsgiTestCase(unittest.TestCase):
    def harness(self, app: App, **kwargs: int) -> SlotHarness:
        h = SlotHarness(app, **kwargs)
        self.addCleanup(h.close)
        return h


class EnvironTest(WsgiTestCase):
    def test_environ_keys(self) -> None:
        seen: dict[str, Any] = {}

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            seen.update(environ)
            start_response("204 No Content", [])
            return []

        h = self.harness(app, processes=3, threads=4)
        env = request_environ("GET", "/a b", "x=1", HTTP_X_RAW="caf\xe9\xff", CONTENT_TYPE="text/x")
        response = h.request(env)
        self.assertEqual((response.status, response.head.block, response.end), (204, b"204 No Content\r\n", 0))
        for key, value in env.items():
            self.assertEqual(seen[key], value)
        self.assertEqual(seen["HTTP_X_RAW"], "caf\xe9\xff")  # raw bytes -> latin-1 code points
        self.assertEqual(seen["wsgi.version"], (1, 0))
        self.assertIs(seen["wsgi.errors"], sys.stderr)
        self.assertIs(seen["wsgi.multithread"], True)
        self.assertIs(seen["wsgi.multiprocess"], True)
        self.assertIs(seen["wsgi.run_once"], False)
        self.assertIs(seen["wsgi.file_wrapper"], FileWrapper)
        self.assertEqual(seen["wsgi.input"].read(), b"")

    def test_single_process_single_thread_flags(self) -> None:
        seen: dict[str, Any] = {}

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            seen.update(environ)
            start_response("200 OK", [])
            return [b"x"]

        self.harness(app, processes=1, threads=1).request()
        self.assertIs(seen["wsgi.multithread"], False)
        self.assertIs(seen["wsgi.multiprocess"], False)

    def test_long_environ_values_use_the_long_string_code(self) -> None:
        seen: dict[str, Any] = {}

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            seen.update(environ)
            start_response("200 OK", [])
            return []

        big = "v" * 100_000
        self.harness(app).request(request_environ(HTTP_COOKIE=big))
        self.assertEqual(seen["HTTP_COOKIE"], big)


class InputTest(WsgiTestCase):
    BODY = [b"line one\nline", b" two\n", b"", b"x" * 70000 + b"\nlast line without newline"]
    DATA = b"".join(BODY)

    def run_reader(self, reader: Callable[[Any], Any], body: Optional[list[bytes]] = None) -> Any:
        result: list[Any] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            result.append(reader(environ["wsgi.input"]))
            start_response("200 OK", [])
            return [b"done"]

        h = self.harness(app)
        response = h.request(request_environ("POST"), self.BODY if body is None else body)
        self.assertEqual(response.body, b"done")
        # The slot is back at a frame boundary: a second request works.
        self.assertEqual(h.request(request_environ("POST"), [b"again"]).body, b"done")
        return result[0]

    def test_read_all(self) -> None:
        self.assertEqual(self.run_reader(lambda f: f.read()), self.DATA)
        self.assertEqual(self.run_reader(lambda f: f.read(None)), self.DATA)

    def test_read_exact_sizes_across_frames(self) -> None:
        for size in (1, 3, 9, 10, 65536, 100000):

            def read_chunks(f: Any, size: int = size) -> list[bytes]:
                chunks: list[bytes] = []
                while True:
                    chunk = f.read(size)
                    if not chunk:
                        return chunks
                    chunks.append(chunk)

            chunks = self.run_reader(read_chunks)
            self.assertEqual(b"".join(chunks), self.DATA)
            self.assertTrue(all(len(c) == size for c in chunks[:-1]), size)

    def test_read_zero(self) -> None:
        self.assertEqual(self.run_reader(lambda f: (f.read(0), f.read(4))), (b"", b"line"))

    def test_readline(self) -> None:
        lines = self.run_reader(lambda f: [f.readline() for _ in range(5)])
        self.assertEqual(
            lines, [b"line one\n", b"line two\n", b"x" * 70000 + b"\n", b"last line without newline", b""]
        )

    def test_readline_with_limit(self) -> None:
        lines = self.run_reader(lambda f: [f.readline(4), f.readline(100), f.readline(-1), f.readline(None)])
        self.assertEqual(lines, [b"line", b" one\n", b"line two\n", b"x" * 70000 + b"\n"])

    def test_readlines_and_iteration(self) -> None:
        expected = [b"line one\n", b"line two\n", b"x" * 70000 + b"\n", b"last line without newline"]
        self.assertEqual(self.run_reader(lambda f: f.readlines()), expected)
        self.assertEqual(self.run_reader(lambda f: list(f)), expected)
        self.assertEqual(self.run_reader(lambda f: f.readlines(5)), expected[:1])
        self.assertEqual(self.run_reader(lambda f: f.readlines(10)), expected[:2])

    def test_unread_body_is_drained(self) -> None:
        self.assertIsNone(self.run_reader(lambda f: None))
        self.assertEqual(self.run_reader(lambda f: f.read(3)), b"lin")

    def test_empty_body_with_body_end(self) -> None:
        self.assertEqual(self.run_reader(lambda f: f.read(), body=[]), b"")

    def test_aborted_body_raises_oserror(self) -> None:
        errors: list[str] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            stream = environ["wsgi.input"]
            first = stream.read(5)
            try:
                stream.read()
            except OSError as exc:
                errors.append(str(exc))
            start_response("200 OK", [])
            return [first]

        h = self.harness(app)
        h.send_request(request_environ("POST"), [b"hello", b"world"], aborted=True)
        self.assertEqual(h.read_response().body, b"hello")
        self.assertEqual(len(errors), 1)
        self.assertEqual(h.request(request_environ("POST"), [b"next"]).body, b"next")

    def test_aborted_body_unhandled_gives_500(self) -> None:
        quiet_stderr(self)

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            environ["wsgi.input"].read()
            start_response("200 OK", [])
            return [b"x"]

        h = self.harness(app)
        h.send_request(request_environ("POST"), [b"abc"], aborted=True)
        self.assertEqual(h.read_response().status, 500)

    def test_body_arriving_after_the_response_is_drained(self) -> None:
        h = self.harness(simple_app(b"fast"))
        env = protocol.encode_environ(request_environ("POST"))
        h.master.send(protocol.encode_request(0, env) + protocol.encode_body(b"part"))
        self.assertEqual(h.read_response().body, b"fast")
        h.master.send(protocol.encode_body(b"late") + protocol.encode_body_end(True))
        self.assertEqual(h.request().body, b"fast")


class ResponseTest(WsgiTestCase):
    def test_hello_single_write(self) -> None:
        """The worked example of the spec, byte for byte."""
        h = self.harness(simple_app(b"hi", [("Content-Type", "text/plain"), ("Content-Length", "2")]))
        h.send_request()
        h.master.sock.settimeout(5)
        expected = (
            bytes.fromhex("4100000020c80000000200000000000000")
            + b"200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            + bytes.fromhex("0200000021")
            + b"hi"
            + bytes.fromhex("010000002200")
        )
        data = b""
        while len(data) < len(expected):
            data += h.master.sock.recv(4096)
        self.assertEqual(data, expected)

    def test_no_content_length_is_minus_one(self) -> None:
        response = self.harness(simple_app(b"abc")).request()
        self.assertEqual((response.head.content_length, response.head.flags, response.body), (-1, 0, b"abc"))

    def test_hop_by_hop_headers_are_stripped_and_close_becomes_a_flag(self) -> None:
        headers = [
            ("Content-Type", "text/plain"),
            ("Connection", "keep-alive, Close"),
            ("Keep-Alive", "timeout=5"),
            ("Transfer-Encoding", "chunked"),
            ("TE", "trailers"),
            ("Trailer", "X"),
            ("Upgrade", "h2c"),
            ("Proxy-Connection", "close"),
            ("content-length", "3"),
            ("X-Other", "v"),
        ]
        response = self.harness(simple_app(b"abc", headers)).request()
        self.assertEqual(response.header_lines(), ["Content-Type: text/plain", "content-length: 3", "X-Other: v"])
        self.assertEqual((response.head.flags, response.head.content_length), (protocol.CLOSE, 3))

    def test_connection_without_close_sets_no_flag(self) -> None:
        response = self.harness(simple_app(b"abc", [("Connection", "keep-alive")])).request()
        self.assertEqual((response.head.flags, response.header_lines()), (0, []))

    def test_latin1_header_values(self) -> None:
        response = self.harness(simple_app(b"x", [("X-Name", "caf\xe9")])).request()
        self.assertEqual(response.head.block, b"200 OK\r\nX-Name: caf\xe9\r\n")

    def test_write_callable_and_iterable(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            write = start_response("200 OK", [("Content-Type", "text/plain")])
            write(b"")
            write(b"one,")
            write(b"two,")
            return [b"three"]

        response = self.harness(app).request()
        bodies = [f.payload for f in response.frames if f.type == protocol.RESPONSE_BODY]
        self.assertEqual((bodies, response.end), ([b"one,", b"two,", b"three"], 0))

    def test_generator_is_streamed_chunk_by_chunk(self) -> None:
        gate = threading.Event()
        h_ref: list[SlotHarness] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("200 OK", [("Content-Type", "text/plain")])
            yield b""
            yield b"first"
            # The first chunk must already be at the master while we are paused.
            gate.wait(5)
            yield b"second"

        h = self.harness(app)
        h_ref.append(h)
        h.send_request()
        head = protocol.decode_response_head(h.master.expect(protocol.RESPONSE_HEAD).payload)
        self.assertEqual(head.status, 200)
        self.assertEqual(h.master.expect(protocol.RESPONSE_BODY).payload, b"first")
        gate.set()
        self.assertEqual(h.master.expect(protocol.RESPONSE_BODY).payload, b"second")
        self.assertEqual(h.master.expect(protocol.RESPONSE_END).payload, b"\x00")

    def test_start_response_inside_the_generator(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("201 Created", [("Location", "/x")])
            yield b"made"

        response = self.harness(app).request()
        self.assertEqual((response.status, response.body, response.header_lines()), (201, b"made", ["Location: /x"]))

    def test_empty_body_sends_head_at_the_end(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("200 OK", [("Content-Length", "0")])
            yield b""

        response = self.harness(app).request()
        self.assertEqual((response.head.content_length, response.frames), (0, [protocol.Frame(0x22, b"\x00")]))

    def test_large_body_is_split_under_the_frame_limit(self) -> None:
        big = os.urandom(protocol.MAX_PAYLOAD + 1000)
        response = self.harness(simple_app(big)).request()
        sizes = [len(f.payload) for f in response.frames if f.type == protocol.RESPONSE_BODY]
        self.assertEqual(sizes, [protocol.MAX_PAYLOAD, 1000])
        self.assertEqual(response.body, big)

    def test_close_is_always_called(self) -> None:
        quiet_stderr(self)
        closed: list[str] = []

        class Body:
            def __init__(self, name: str, fail: bool) -> None:
                self.name = name
                self.fail = fail

            def __iter__(self) -> Iterator[bytes]:
                yield b"a"
                if self.fail:
                    raise RuntimeError("mid-body")
                yield b"b"

            def close(self) -> None:
                closed.append(self.name)

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [])
            return Body(environ["PATH_INFO"], environ["PATH_INFO"] == "/fail")

        h = self.harness(app)
        self.assertEqual(h.request(request_environ(path="/ok")).body, b"ab")
        failed = h.request(request_environ(path="/fail"))
        self.assertEqual((failed.body, failed.end), (b"a", 1))
        self.assertEqual(closed, ["/ok", "/fail"])


class ErrorTest(WsgiTestCase):
    def setUp(self) -> None:
        self.log = quiet_stderr(self)

    def assert_500(self, response: Response) -> None:
        self.assertEqual(response.status, 500)
        self.assertEqual(response.body, b"Internal Server Error\n")
        self.assertEqual(response.end, 0)

    def test_exception_before_head_is_500_and_the_slot_keeps_serving(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ["PATH_INFO"] == "/boom":
                raise ZeroDivisionError("boom")
            start_response("200 OK", [])
            return [b"fine"]

        h = self.harness(app)
        self.assert_500(h.request(request_environ(path="/boom")))
        self.assertIn("ZeroDivisionError: boom", self.log.getvalue())
        self.assertIn("GET /boom", self.log.getvalue())
        self.assertEqual(h.request().body, b"fine")

    def test_exception_after_head_is_end_1(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("200 OK", [])
            yield b"partial"
            raise ValueError("late")

        h = self.harness(app)
        response = h.request()
        self.assertEqual((response.status, response.body, response.end), (200, b"partial", 1))
        self.assertIn("ValueError: late", self.log.getvalue())

    def test_exception_after_start_response_before_body_is_500(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("200 OK", [("X-A", "1")])
            raise KeyError("x")
            yield b""  # pragma: no cover

        self.assert_500(self.harness(app).request())

    def test_app_returning_without_start_response_is_500(self) -> None:
        self.assert_500(self.harness(lambda environ, start_response: [b"x"]).request())
        self.assert_500(self.harness(lambda environ, start_response: []).request())

    def test_non_bytes_body_is_500(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[Any]:
            start_response("200 OK", [])
            return ["text"]

        self.assert_500(self.harness(app).request())

    def test_invalid_status_and_headers_are_500(self) -> None:
        bad: list[tuple[Any, Any]] = [
            (b"200 OK", []),
            ("200", []),
            ("20x OK", []),
            ("200 OK\r\nX: y", []),
            ("200 OK", [("X-A", "v\r\nInjected: 1")]),
            ("200 OK", [("X-A", "v\nInjected: 1")]),
            ("200 OK", [("X A", "v")]),
            ("200 OK", [("X:A", "v")]),
            ("200 OK", [("", "v")]),
            ("200 OK", [("X-A", 1)]),
            ("200 OK", [(b"X-A", "v")]),
            ("200 OK", [("X-A", "\u20ac")]),
            ("200 OK", (("X-A", "v"),)),
            ("200 OK", [("Content-Length", "-1")]),
            ("200 OK", [("Content-Length", "1"), ("Content-Length", "2")]),
        ]
        for status, headers in bad:

            def app(
                environ: dict[str, Any], start_response: Callable[..., Any], s: Any = status, hs: Any = headers
            ) -> Iterable[bytes]:
                start_response(s, hs)
                return [b"x"]

            with self.subTest(status=status, headers=headers):
                self.assert_500(self.harness(app).request())

    def test_start_response_twice_without_exc_info_is_an_error(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [])
            start_response("404 Not Found", [])
            return [b"x"]

        self.assert_500(self.harness(app).request())

    def test_exc_info_before_head_replaces_the_response(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [("X-First", "1")])
            try:
                raise ValueError("oops")
            except ValueError:
                start_response("503 Busy", [("X-Second", "2")], sys.exc_info())
            return [b"replaced"]

        response = self.harness(app).request()
        self.assertEqual((response.status, response.header_lines(), response.body), (503, ["X-Second: 2"], b"replaced"))

    def test_exc_info_after_head_reraises(self) -> None:
        reraised: list[BaseException] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
            start_response("200 OK", [])
            yield b"started"
            try:
                raise ValueError("original")
            except ValueError:
                try:
                    start_response("500 Oops", [], sys.exc_info())
                except ValueError as exc:
                    reraised.append(exc)
                    raise

        response = self.harness(app).request()
        self.assertEqual((response.body, response.end), (b"started", 1))
        self.assertEqual(str(reraised[0]), "original")


class FileWrapperTest(WsgiTestCase):
    def setUp(self) -> None:
        fd, self.path = tempfile.mkstemp()
        os.write(fd, b"0123456789" * 2000)
        os.close(fd)
        self.addCleanup(os.unlink, self.path)
        self.files: list[Any] = []

    def app(self, seek: int = 0, length: Optional[int] = None) -> App:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            f = open(self.path, "rb")
            f.seek(seek)
            self.files.append(f)
            wrapper: type[FileWrapper] = environ["wsgi.file_wrapper"]
            return wrapper(f, 4096) if length is None else wrapper(f, 4096, length)

        return app

    def expect_sendfile(self, h: SlotHarness, body: Optional[list[bytes]] = None) -> tuple[int, int, bytes]:
        h.send_request(request_environ(), body)
        head = protocol.decode_response_head(h.master.expect(protocol.RESPONSE_HEAD).payload)
        self.assertEqual(head.status, 200)
        return protocol.decode_sendfile(h.master.expect(protocol.SENDFILE).payload)

    def test_sendfile_opened(self) -> None:
        h = self.harness(self.app(seek=5))
        offset, count, path = self.expect_sendfile(h)
        self.assertEqual((offset, count), (5, -1))
        self.assertTrue(path.startswith(b"/proc/%d/fd/" % os.getpid()), path)
        with open(path, "rb") as f:  # the master opens the worker's open file
            self.assertEqual(f.read(3), b"012")
        h.master.send(protocol.encode_file_opened())
        self.assertEqual(h.master.expect(protocol.RESPONSE_END).payload, b"\x00")
        self.assertTrue(self.files[0].closed)

    def test_sendfile_with_length(self) -> None:
        h = self.harness(self.app(seek=10, length=100))
        self.assertEqual(self.expect_sendfile(h)[:2], (10, 100))
        h.master.send(protocol.encode_file_opened())
        self.assertEqual(h.master.expect(protocol.RESPONSE_END).payload, b"\x00")

    def test_sendfile_failed_falls_back_to_body_frames(self) -> None:
        h = self.harness(self.app(seek=3, length=5000))
        self.expect_sendfile(h)
        h.master.send(protocol.encode_file_opened(failed=True))
        frames = []
        while True:
            frame = h.master.recv()
            if frame.type == protocol.RESPONSE_END:
                break
            self.assertEqual(frame.type, protocol.RESPONSE_BODY)
            frames.append(frame.payload)
        with open(self.path, "rb") as f:
            self.assertEqual(b"".join(frames), f.read()[3:5003])
        self.assertEqual([len(p) for p in frames], [4096, 904])
        self.assertTrue(self.files[0].closed)

    def test_body_frames_while_waiting_for_file_opened(self) -> None:
        h = self.harness(self.app())
        env = protocol.encode_environ(request_environ("POST"))
        h.master.send(protocol.encode_request(0, env) + protocol.encode_body(b"unread"))
        head = protocol.decode_response_head(h.master.expect(protocol.RESPONSE_HEAD).payload)
        self.assertEqual(head.status, 200)
        h.master.expect(protocol.SENDFILE)
        h.master.send(protocol.encode_body(b"more") + protocol.encode_body_end(True) + protocol.encode_file_opened())
        self.assertEqual(h.master.expect(protocol.RESPONSE_END).payload, b"\x00")
        self.assertEqual(self.expect_sendfile(h)[:2], (0, -1))
        h.master.send(protocol.encode_file_opened())
        self.assertEqual(h.master.expect(protocol.RESPONSE_END).payload, b"\x00")

    def test_non_file_is_sent_as_body_frames(self) -> None:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [])
            wrapper: FileWrapper = environ["wsgi.file_wrapper"](io.BytesIO(b"x" * 10000), 4096)
            return wrapper

        response = self.harness(app).request()
        self.assertEqual([len(f.payload) for f in response.frames[:-1]], [4096, 4096, 1808])

    def test_pipe_is_not_sendfiled(self) -> None:
        r, w = os.pipe()
        os.write(w, b"piped")
        os.close(w)

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            start_response("200 OK", [])
            return FileWrapper(os.fdopen(r, "rb"))

        self.assertEqual(self.harness(app).request().body, b"piped")


class ProtocolErrorTest(unittest.TestCase):
    def serve_raw(self, data: bytes) -> BaseException:
        master, slot = socket.socketpair()
        handler = SlotHandler(Channel(slot), simple_app(), base_environ(1, 1))
        master.sendall(data)
        master.close()
        with self.assertRaises(ChannelError) as caught:
            handler.serve()
        handler.channel.close()
        return caught.exception

    def test_garbage_environ_is_a_protocol_error(self) -> None:
        self.assertIsInstance(self.serve_raw(protocol.encode_request(0, b"\xff\x00")), ProtocolError)
        self.assertIsInstance(self.serve_raw(protocol.encode_request(0, b"z\x01a")), ProtocolError)

    def test_a_frame_other_than_request_is_a_protocol_error(self) -> None:
        self.assertIsInstance(self.serve_raw(protocol.encode_body(b"x")), ProtocolError)

    def test_eof_is_channel_closed(self) -> None:
        self.assertIsInstance(self.serve_raw(b""), ChannelClosed)
        self.assertIsInstance(self.serve_raw(b"\x05\x00"), ChannelClosed)


class BuildHeadTest(unittest.TestCase):
    def test_fields(self) -> None:
        frame = build_head("404 Not Found", [("Content-Length", " 12 "), ("X", "y")])
        length, frame_type = protocol.HEADER.unpack_from(frame)
        self.assertEqual((length, frame_type), (len(frame) - 5, protocol.RESPONSE_HEAD))
        head = protocol.decode_response_head(frame[5:])
        self.assertEqual((head.status, head.flags, head.content_length), (404, 0, 12))
        self.assertEqual(head.block, b"404 Not Found\r\nContent-Length:  12 \r\nX: y\r\n")


if __name__ == "__main__":
    unittest.main()
