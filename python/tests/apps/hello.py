"""The smallest app: fixed body with Content-Length, and a print for LOG."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable

print("hello app imported", flush=True)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/print":
        print("line from the app in", os.getpid())
    body = b"Hello, World!"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def other(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"other"]


not_callable = 42
