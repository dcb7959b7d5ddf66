"""Worker-lifecycle test app: reports its pid and version, hangs, sleeps and grows on demand."""

import os
import time

VERSION = "v1"

_hoard = []


def stuck_in_a_loop_forever():
    # harakiri must name this function in the stack dump.
    while True:
        time.sleep(0.05)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = environ.get("QUERY_STRING", "")
    if path == "/pid":
        body = str(os.getpid())
    elif path == "/version":
        body = VERSION
    elif path == "/stuck":
        stuck_in_a_loop_forever()
        body = "unreachable"
    elif path == "/slow":
        print(f"SLOW pid={os.getpid()}", flush=True)
        time.sleep(float(query or "10"))
        body = "slept"
    elif path == "/whoami":
        mask = os.umask(0)
        os.umask(mask)
        with open("/proc/self/comm") as f:
            comm = f.read().strip()
        body = f"{os.getuid()} {os.getgid()} {mask:03o} {os.getgroups()} {comm}"
    elif path == "/tamper":
        # Try to replace the package the next zygote imports (found through our own module path).
        import regent

        try:
            with open(regent.__file__, "a") as f:
                f.write("# tampered\n")
            body = "TAMPERED"
        except OSError as exc:
            body = f"denied: {exc}"
    elif path == "/grow":
        # Written bytes, not calloc'd ones: the pages must really be resident.
        _hoard.append(b"\x01" * (int(query or "100") * 1024 * 1024))
        body = str(os.getpid())
    else:
        body = "hello"
    data = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
