"""wsgiref.validate wrapped apps must run without a single warning or assertion."""

from __future__ import annotations

import io
import os
import sys
import tempfile
import unittest
import warnings
from typing import Any, Callable, Iterable, Iterator
from wsgiref.validate import validator

from support import protocol, request_environ
from test_wsgi import SlotHarness


def plain(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/post":
        stream = environ["wsgi.input"]
        first = stream.readline()
        rest = stream.read(int(environ["CONTENT_LENGTH"]) - len(first))
        lines = stream.readlines()
        body = b"%d|%s|%s|%d" % (len(first + rest), first.strip(), rest[-4:], len(lines))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/stream":
        return streaming(environ, start_response)
    if path == "/file":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](open(environ["HTTP_X_FILE"], "rb"), 1024)  # type: ignore[no-any-return]
    environ["wsgi.errors"].flush()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"get"]


def streaming(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"w")
    for i in range(3):
        yield b"%d" % i


class ValidatorTest(unittest.TestCase):
    def setUp(self) -> None:
        self.captured = io.StringIO()
        saved = sys.stderr
        sys.stderr = self.captured
        self.addCleanup(setattr, sys, "stderr", saved)
        catcher = warnings.catch_warnings()
        catcher.__enter__()
        self.addCleanup(catcher.__exit__, None, None, None)
        warnings.simplefilter("error")
        self.h = SlotHarness(validator(plain))
        self.addCleanup(self.h.close)

    def tearDown(self) -> None:
        self.assertEqual(self.captured.getvalue(), "")

    def test_get(self) -> None:
        response = self.h.request(request_environ())
        self.assertEqual((response.status, response.body, response.end), (200, b"get", 0))

    def test_post(self) -> None:
        data = b"first line\n" + b"y" * 100000 + b"tail"
        env = request_environ("POST", "/post", CONTENT_TYPE="text/plain", CONTENT_LENGTH=str(len(data)))
        response = self.h.request(env, [data[:5], data[5:70000], data[70000:]])
        self.assertEqual(response.body, b"%d|first line|tail|0" % len(data))

    def test_streaming(self) -> None:
        response = self.h.request(request_environ(path="/stream"))
        bodies = [f.payload for f in response.frames if f.type == protocol.RESPONSE_BODY]
        self.assertEqual((bodies, response.end), ([b"w", b"0", b"1", b"2"], 0))

    def test_file_wrapper(self) -> None:
        fd, path = tempfile.mkstemp()
        os.write(fd, b"z" * 3000)
        os.close(fd)
        self.addCleanup(os.unlink, path)
        response = self.h.request(request_environ(path="/file", HTTP_X_FILE=path))
        self.assertEqual((response.status, response.body, response.end), (200, b"z" * 3000, 0))


if __name__ == "__main__":
    unittest.main()
