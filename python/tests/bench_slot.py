"""Worker CPU per request for a hello app, one request at a time on one slot.

Run: /usr/bin/python3 tests/bench_slot.py [requests]
The worker runs in a forked child; its CPU time (user + system, so the
syscalls count) divided by the number of requests is the figure to watch.
"""

from __future__ import annotations

import os
import resource
import socket
import sys
import time
from typing import Any, Callable, Iterable

from support import protocol, request_environ

from regent.channel import Channel
from regent.errors import ChannelClosed
from regent.wsgi import SlotHandler, base_environ


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, World!"]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    env = request_environ(
        HTTP_USER_AGENT="wrk", HTTP_ACCEPT="*/*", HTTP_ACCEPT_ENCODING="gzip", HTTP_CONNECTION="keep-alive"
    )
    request = protocol.encode_request(protocol.NO_BODY, protocol.encode_environ(env))
    master, slot = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        master.close()
        try:
            SlotHandler(Channel(slot), hello, base_environ(2, 1)).serve()
        except ChannelClosed:
            pass
        os._exit(0)
    slot.close()
    started = time.perf_counter()
    for _ in range(count):
        master.sendall(request)
        data = master.recv(4096)
        while not data.endswith(protocol.RESPONSE_END_OK):
            data += master.recv(4096)
    elapsed = time.perf_counter() - started
    master.close()
    os.waitpid(pid, 0)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"{count} requests, {count / elapsed:.0f} req/s round trip; worker CPU {cpu / count * 1e6:.2f} us/request "
        f"(user {usage.ru_utime / count * 1e6:.2f}, sys {usage.ru_stime / count * 1e6:.2f})"
    )


if __name__ == "__main__":
    main()
