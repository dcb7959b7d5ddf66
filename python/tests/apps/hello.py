"""The smallest app: fixed body with Content-Length, and a print for LOG."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable

print("hello app imported", flush=True)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/print":
        print("line from the app in", os.getpid())
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("boom from the app")
    if environ["PATH_INFO"] == "/fds":
        fds = {}
        for name in os.listdir("/proc/self/fd"):
            try:
                fds[int(name)] = os.readlink(f"/proc/self/fd/{name}")
            except OSError:
                pass  # the directory listing's own fd, already closed
        text = "\n".join(f"{fd} {target.split(':')[0]}" for fd, target in sorted(fds.items()))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [text.encode()]
    body = b"Hello, World!"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def other(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"other"]


not_callable = 42
