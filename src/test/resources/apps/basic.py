"""The plain WSGI app of the protocol tests; one route per scenario.

Every call appends one byte to the file named by $CALLS_FILE (when set), so a test can
tell whether a request ever reached the app.
"""

import os
import signal
import time
import zlib
from urllib.parse import parse_qs

_CALLS = os.environ.get("CALLS_FILE")
_MIB = b"\xab" * (1024 * 1024)


def _text(start_response, body, status="200 OK"):
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def _query(environ):
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _stream(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    for i in range(3):
        if i:
            time.sleep(0.5)
        yield b"part %d\n" % i


def _download(environ, start_response):
    size = int(_query(environ)["mib"])
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    for _ in range(size):
        yield _MIB


def _upload(environ, start_response):
    stream = environ["wsgi.input"]
    total = 0
    crc = 0
    while True:
        piece = stream.read(64 * 1024)
        if not piece:
            break
        total += len(piece)
        crc = zlib.crc32(piece, crc)
    return _text(start_response, "%d %d" % (total, crc))


def _echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
    return [body]


def _file(environ, start_response):
    path = _query(environ)["path"]
    size = os.path.getsize(path)
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
    return environ["wsgi.file_wrapper"](open(path, "rb"), 32 * 1024)


def _calls(environ, start_response):
    return _text(start_response, str(os.path.getsize(_CALLS) if _CALLS else -1))


def _die(environ, start_response):
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)
    return _text(start_response, "still alive")


def _fail(environ, start_response):
    raise RuntimeError("deliberate failure for the test")


def application(environ, start_response):
    if _CALLS:
        with open(_CALLS, "ab") as f:
            f.write(b".")
    path = environ["PATH_INFO"]
    routes = {
        "/stream": _stream,
        "/download": _download,
        "/upload": _upload,
        "/echo": _echo,
        "/file": _file,
        "/calls": _calls,
        "/die": _die,
        "/fail": _fail,
    }
    if path in routes:
        return routes[path](environ, start_response)
    if path == "/pid":
        return _text(start_response, str(os.getpid()))
    if path == "/sleep":
        time.sleep(float(_query(environ).get("s", "1")))
        return _text(start_response, "slept")
    if path == "/method":
        return _text(start_response, environ["REQUEST_METHOD"])
    if path.startswith("/caf"):
        # PEP 3333: PATH_INFO holds the raw bytes decoded as latin-1; re-encode as UTF-8 to show them.
        return _text(start_response, path)
    return _text(start_response, "Hello, World!\n")
