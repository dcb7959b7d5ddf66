"""What each row runs: the app, the load, and the answers a server must give before it.

The checks run before any load, so a server that answers wrongly fails its row
instead of producing a fast but meaningless number.
"""

import hashlib
import http.client
import json
import os
import random
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
APPS = os.path.join(BENCH, "apps")
MIB = 1024 * 1024
# The same request body for every server; not compressible, so nothing can cheat.
UPLOAD_BODY = random.Random(7).randbytes(MIB)
# The static rows' files: written once per run (driver: write_static), checked by sha256.
STATIC_FILES = {"1k.bin": random.Random(11).randbytes(1024), "1m.bin": random.Random(13).randbytes(MIB)}
STATIC_DIR = None


def write_static(path):
    global STATIC_DIR
    os.makedirs(path, exist_ok=True)
    for name, data in STATIC_FILES.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    STATIC_DIR = path
    return path


class Scenario:
    def __init__(self, name, app, path, load, conns=64, app_dir=APPS, threads=None,
                 method="GET", body=None, check=None, desc="", ready=None, timeout=10, static=False):
        self.name, self.app, self.path, self.load = name, app, path, load
        self.ready = ready or path      # a GET that answers 200 once the app is up
        self.timeout = timeout          # wrk --timeout: slower answers count as errors
        self.conns, self.app_dir, self.threads = conns, app_dir, threads
        self.method, self.body, self.check, self.desc = method, body, check, desc
        self.static = static            # served from STATIC_DIR (check-static), not by the app


def fetch(port, path, method="GET", body=None, timeout=10.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body)
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def check_hello(port, cfg):
    st, h, b = fetch(port, "/")
    expect(st == 200 and b == b"Hello, World!", "GET / -> %s %r" % (st, b[:60]))


def check_flask(port, cfg):
    st, h, b = fetch(port, "/json")
    expect(st == 200 and "application/json" in h.get("content-type", ""),
           "GET /json -> %s %s" % (st, h.get("content-type")))
    expect(json.loads(b).get("message") == "Hello, World!", "GET /json body %r" % b[:80])


def check_django(port, cfg):
    st, h, b = fetch(port, "/")
    expect(st == 200 and b"<h1>Hello, World!</h1>" in b and b"5. Epsilon" in b,
           "GET / (django) -> %s %r" % (st, b[:80]))


def check_mixed(port, cfg):
    st, h, b = fetch(port, "/fast")
    expect(st == 200 and b == b"fast", "GET /fast -> %s %r" % (st, b[:60]))
    st, h, b = fetch(port, "/slow")
    expect(st == 200 and json.loads(b).get("iters") == cfg.slow_iters,
           "GET /slow -> %s %r (want iters=%d)" % (st, b[:80], cfg.slow_iters))


def check_sleep(port, cfg):
    t0 = time.monotonic()
    st, h, b = fetch(port, "/sleep")
    dt = time.monotonic() - t0
    expect(st == 200 and b == b"slept" and dt >= 0.09, "GET /sleep -> %s %r in %.3fs" % (st, b, dt))


def check_download(port, cfg):
    st, h, b = fetch(port, "/download")
    want = hashlib.sha256((hashlib.sha256(b"bench").digest() * 8 * 4096)[:MIB]).hexdigest()
    expect(st == 200 and len(b) == MIB and hashlib.sha256(b).hexdigest() == want,
           "GET /download -> %s, %d bytes, sha256 mismatch?" % (st, len(b)))


def check_upload(port, cfg):
    st, h, b = fetch(port, "/upload", "POST", UPLOAD_BODY)
    got = json.loads(b) if st == 200 else {}
    expect(got.get("length") == MIB and got.get("sha256") == hashlib.sha256(UPLOAD_BODY).hexdigest(),
           "POST /upload -> %s %r" % (st, b[:120]))


def check_static(name):
    def check(port, cfg):
        st, h, b = fetch(port, "/" + name)
        want = STATIC_FILES[name]
        expect(st == 200 and len(b) == len(want) and hashlib.sha256(b).digest() == hashlib.sha256(want).digest(),
               "GET /%s -> %s, %d bytes (want %d, same sha256)" % (name, st, len(b), len(want)))
    return check


SCENARIOS = {s.name: s for s in [
    Scenario("hello", "hello:application", "/", "wrk", check=check_hello,
             desc="plain WSGI, 13-byte body, wrk c=64"),
    Scenario("flask", "flask_app:app", "/json", "wrk", check=check_flask,
             desc="Flask jsonify, wrk c=64"),
    Scenario("django", "djsite.wsgi:application", "/", "wrk", check=check_django,
             app_dir=os.path.join(APPS, "djangoapp"),
             desc="Django template render through the default middleware, wrk c=64"),
    Scenario("mixed", "mixed:application", "/fast", "openloop", check=check_mixed,
             desc="open loop, fixed rate, 90% /fast + 10% /slow (CPU); p50/p99 of /fast"),
    # Sleeping requests need threads to overlap; with 1 thread per process this row
    # would only measure W/0.1s. gunicorn's sync worker cannot run threads: skipped.
    # 200 connections on 16 threads: a fair server answers each in ~1.3 s. Not wrk:
    # it only records answered requests, so connections a server never serves (while
    # its threads keep serving their own keep-alive connections) would be invisible.
    # openloop.py --connections counts them, and requests unanswered for 3 s are errors.
    Scenario("sleep", "mixed:application", "/sleep", "closed", conns=200, threads=8, timeout=3,
             check=check_sleep, desc="GET /sleep (100 ms, no CPU), c=200, 8 threads/process"),
    Scenario("download", "big:application", "/download", "wrk", conns=16, check=check_download,
             desc="1 MiB response, c=16"),
    Scenario("upload", "big:application", "/upload", "wrk", conns=16, method="POST", ready="/",
             body=UPLOAD_BODY, check=check_upload, desc="1 MiB request body read by the app, c=16"),
    Scenario("reload", "flask_app:app", "/json", "reload", conns=32, check=check_flask,
             desc="Flask, wrk c=32 closed loop, SIGHUP to the app server 5 times"),
    # Static files: Regent and uWSGI with --check-static DIR in front of the hello app,
    # nginx serving DIR itself. Other servers are skipped (they have no static serving).
    Scenario("static1k", "hello:application", "/1k.bin", "wrk", check=check_static("1k.bin"), static=True,
             desc="1 KiB static file, check-static, wrk c=64"),
    Scenario("static1m", "hello:application", "/1m.bin", "wrk", conns=16, check=check_static("1m.bin"),
             static=True, desc="1 MiB static file, check-static, wrk c=16"),
]}

DEFAULT = ["hello", "flask", "django", "mixed", "sleep", "download", "upload", "reload", "static1k", "static1m"]
QUICK = ["hello", "flask", "download"]
