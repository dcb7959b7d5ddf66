"""The app of the direct uwsgi tests: says which process and which path answered a request.

/via answers "direct" when the worker took the connection from the uwsgi socket itself (the
call stack runs through regent/direct.py) and "relayed" when the master passed the request on.
"""

import json
import os
import sys
import time


def stuck_in_a_loop_forever():
    # harakiri must kill the worker while it runs this.
    while True:
        time.sleep(0.05)


def _via():
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename.replace(os.sep, "/")
        if name.endswith("regent/direct.py"):
            return "direct"
        frame = frame.f_back
    return "relayed"


def _environ(environ):
    """The str-valued keys, sorted; wsgi.* (streams, flags, the url scheme's objects) left out."""
    keep = {k: v for k, v in environ.items() if isinstance(v, str) and not k.startswith("wsgi.")}
    keep["wsgi.url_scheme"] = environ.get("wsgi.url_scheme")
    return json.dumps(keep, sort_keys=True)


def _query(environ):
    out = {}
    for part in environ.get("QUERY_STRING", "").split("&"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
    return out


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    status = "200 OK"
    if path == "/pid":
        body = str(os.getpid())
    elif path == "/via":
        body = f"{_via()} {os.getpid()}"
    elif path == "/environ":
        body = _environ(environ)
    elif path == "/stuck":
        stuck_in_a_loop_forever()
        body = "unreachable"
    elif path == "/sleep":
        time.sleep(float(_query(environ).get("s", "1")))
        body = "slept"
    elif path == "/echo":
        body = environ["wsgi.input"].read().decode("latin-1")
    else:
        status = "404 Not Found"
        body = "no such page: " + path
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
