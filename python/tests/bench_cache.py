"""Micro-benchmark of the uwsgi cache and locks (not a unit test: run it directly).

    cd python && /usr/bin/python3 tests/bench_cache.py

Measures cache_get (hit), cache_set (update of one key), cache_inc and lock()+unlock() in one
process, then with 2 processes hammering the same key.  Prints ops/s and µs per op.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_uwsgi_cache import import_uwsgi, make_runtime  # noqa: E402

from regent import api  # noqa: E402

N = 200_000


def rate(fn: Callable[[], Any], n: int = N) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t0)


def cases(u: Any) -> dict[str, Callable[[], Any]]:
    get, upd, inc, lock, unlock = u.cache_get, u.cache_update, u.cache_inc, u.lock, u.unlock

    def lock_unlock() -> None:
        lock()
        unlock()

    return {
        "cache_get": lambda: get("key", "bench"),
        "cache_update": lambda: upd("key", "value-0123456789", 0, "bench"),
        "cache_inc": lambda: inc("ctr", 1, 0, "bench"),
        "lock+unlock": lock_unlock,
    }


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="regent-bench-")
    try:
        api.install(make_runtime(tmp, [{"name": "bench", "items": 100, "blocksize": 1024}]), "/x", "0" * 32, 1, 2, 1)
        u = import_uwsgi()
        u.cache_update("key", "value-0123456789", 0, "bench")
        print(f"{'operation':14} {'1 process':>14} {'2 processes (each)':>20}")
        for name, fn in cases(u).items():
            one = rate(fn)
            r, w = os.pipe()
            pids = []
            for _ in range(2):
                pid = os.fork()
                if pid == 0:
                    os.close(r)
                    os.write(w, f"{rate(fn):.0f}\n".encode())
                    os._exit(0)
                pids.append(pid)
            os.close(w)
            for pid in pids:
                os.waitpid(pid, 0)
            with os.fdopen(r) as f:
                two = [float(x) for x in f.read().split()]
            print(f"{name:14} {one:10.0f}/s {1e6 / one:5.2f}µs {min(two):10.0f}/s {1e6 / min(two):5.2f}µs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
