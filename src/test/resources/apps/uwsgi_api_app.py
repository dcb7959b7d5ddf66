"""Exercises the uwsgi module through real workers (dev.regent.it.api tests)."""

import os
import struct
import sys
import time

import uwsgi

STOCK = os.environ.get("REGENT_TEST_STOCK_DECORATORS") == "1"
if STOCK:
    # Debian's unmodified python3-uwsgidecorators, loaded by path so Regent's copy cannot shadow it.
    import importlib.util

    spec = importlib.util.spec_from_file_location("uwsgidecorators",
                                                  "/usr/lib/python3/dist-packages/uwsgidecorators.py")
    decorators = importlib.util.module_from_spec(spec)
    sys.modules["uwsgidecorators"] = decorators
    spec.loader.exec_module(decorators)
else:
    import uwsgidecorators as decorators

CACHE = "c"


@decorators.timer(1)
def tick(signum):
    uwsgi.cache_inc("ticks", 1, 0, CACHE)


@decorators.mulefunc(1)
def remember(n):
    # Runs in the mule: appends n to a list kept in the cache, so order is visible.
    old = uwsgi.cache_get("seen", CACHE) or b""
    uwsgi.cache_update("seen", old + struct.pack("<I", n), 0, CACHE)


@decorators.lock
def locked_increment():
    n = uwsgi.cache_num("locked", CACHE)
    uwsgi.cache_update("locked", struct.pack("<q", n + 1), 0, CACHE)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    q = environ.get("QUERY_STRING", "")
    if path == "/inc":
        ok = uwsgi.cache_inc("counter", 1, 0, CACHE)
        body = b"ok" if ok else b"failed"
    elif path == "/num":
        body = str(uwsgi.cache_num(q or "counter", CACHE)).encode()
    elif path == "/get":
        body = uwsgi.cache_get(q, CACHE) or b"-"
    elif path == "/set":
        k, _, v = q.partition("=")
        body = repr(uwsgi.cache_update(k, v, 0, CACHE)).encode()
    elif path == "/hold":
        # Take lock 1 and never let go: the test kills this worker.
        uwsgi.lock(1)
        body = str(os.getpid()).encode()
    elif path == "/trylock":
        body = repr(uwsgi.is_locked(1)).encode()
        if not uwsgi.is_locked(1):
            uwsgi.lock(1)
            uwsgi.unlock(1)
            body += b" acquired"
    elif path == "/send":
        for i in range(int(q)):
            remember(i)
        body = b"sent"
    elif path == "/seen":
        raw = uwsgi.cache_get("seen", CACHE) or b""
        body = ",".join(str(x) for (x,) in struct.iter_unpack("<I", raw)).encode()
    elif path == "/locked":
        locked_increment()
        body = b"ok"
    elif path == "/info":
        body = ("%d %d %s" % (uwsgi.worker_id(), uwsgi.masterpid(), uwsgi.opt.get("processes"))).encode()
    else:
        body = b"uwsgi api app"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
