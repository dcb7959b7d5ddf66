"""The Flask app behind nginx and Apache in the interop tests (dev.regent.it.interop).

$APP_NAME (default "app") is echoed by "/" so a test can tell which instance answered.
"/active" counts requests in progress, so a test can see that an abandoned response freed its
thread; "/closed" counts streamed responses whose generator was closed early.
"""

import hashlib
import os
import threading
import time

from flask import Flask, Response, abort, request

app = Flask(__name__)
NAME = os.environ.get("APP_NAME", "app")
_lock = threading.Lock()
_state = {"active": 0, "closed": 0}


@app.before_request
def _enter():
    with _lock:
        _state["active"] += 1


@app.teardown_request
def _leave(_exc):
    with _lock:
        _state["active"] -= 1


@app.route("/")
def index():
    return "hello from " + NAME + " via " + request.host + "\n"


@app.route("/echo", methods=["POST"])
def echo():
    digest = hashlib.sha256()
    total = 0
    while True:
        piece = request.stream.read(256 * 1024)
        if not piece:
            break
        total += len(piece)
        digest.update(piece)
    return {"length": total, "sha256": digest.hexdigest()}


@app.route("/stream")
def stream():
    parts = int(request.args.get("parts", "5"))
    delay = float(request.args.get("delay", "0.05"))
    size = int(request.args.get("size", "16"))

    def generate():
        try:
            for i in range(parts):
                if i and delay:
                    time.sleep(delay)
                yield (b"%06d" % i) + b"x" * (size - 6) + b"\n"
        except GeneratorExit:
            with _lock:
                _state["closed"] += 1
            raise

    return Response(generate(), mimetype="application/octet-stream")


@app.route("/missing")
def missing():
    abort(404)


@app.route("/boom")
def boom():
    raise RuntimeError("deliberate failure for the interop test")


@app.route("/headers")
def headers():
    mine = sorted((k, v) for k, v in request.environ.items() if k.startswith("HTTP_X_INTEROP_"))
    return {"count": len(mine), "joined": ",".join(v for _, v in mine)}


@app.route("/path/<name>")
def path(name):
    return {"name": name, "utf8_hex": name.encode("utf-8").hex()}


@app.route("/active")
def active():
    with _lock:
        return {"active": _state["active"], "closed": _state["closed"], "pid": os.getpid()}


application = app
