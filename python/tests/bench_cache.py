"""Micro-benchmark of the uwsgi cache and locks (not a unit test: run it directly).

Regent (the cache and lock files are made in a temporary directory):

    cd python && /usr/bin/python3 tests/bench_cache.py

uWSGI, the same loops on its shared-memory cache and locks:

    cd python && uwsgi --plugin python3 --cache2 name=bench,items=100,blocksize=1024 \\
        --pyrun tests/bench_cache.py

Measures cache_get (hit), cache_update (of one existing key), cache_inc and lock()+unlock()
in one process, then with 2 processes hammering the same key at once.  Each case runs
ROUNDS rounds of N calls and prints the median µs per call:

* one process: CPU time (``time.process_time``, user + system), so that other work on a
  loaded machine does not count; the loop and call overhead are included, as in uWSGI's run;
* two processes: wall-clock time of the slower process, since waiting for the other
  process's lock is part of the cost being measured.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any, Callable

N = 50_000
ROUNDS = 9


def per_call(fn: Callable[[], Any], clock: Callable[[], float], n: int = N) -> float:
    """µs per call of ``fn`` over ``n`` calls, by ``clock``."""
    t0 = clock()
    for _ in range(n):
        fn()
    return (clock() - t0) * 1e6 / n


def median_per_call(fn: Callable[[], Any], clock: Callable[[], float]) -> float:
    return statistics.median(per_call(fn, clock) for _ in range(ROUNDS))


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


def two_processes(fn: Callable[[], Any]) -> float:
    """Median wall-clock µs per call of the slower of two processes running ``fn`` at once."""
    r, w = os.pipe()
    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(r)
                os.write(w, f"{median_per_call(fn, time.perf_counter):.4f}\n".encode())
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    os.close(w)
    for pid in pids:
        os.waitpid(pid, 0)
    with os.fdopen(r) as f:
        return max(float(x) for x in f.read().split())


def run(u: Any, server: str) -> None:
    u.cache_update("key", "value-0123456789", 0, "bench")
    assert u.cache_get("key", "bench") == b"value-0123456789", "the cache named bench is missing"
    print(f"{server}: median of {ROUNDS} rounds of {N} calls, µs per call")
    print(f"{'operation':14} {'1 process (CPU)':>16} {'2 processes (wall, slower)':>28}")
    for name, fn in cases(u).items():
        one = median_per_call(fn, time.process_time)
        two = two_processes(fn)
        print(f"{name:14} {one:14.3f}µs {two:26.3f}µs")


def main() -> None:
    try:
        import uwsgi  # type: ignore[import-not-found]  # only inside uWSGI (--pyrun)
    except ImportError:
        uwsgi = None
    if uwsgi is not None:
        run(uwsgi, f"uWSGI {uwsgi.version.decode()}")
        return
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from test_uwsgi_cache import import_uwsgi, make_runtime

    from regent import api

    tmp = tempfile.mkdtemp(prefix="regent-bench-")
    try:
        api.install(make_runtime(tmp, [{"name": "bench", "items": 100, "blocksize": 1024}]), "/x", "0" * 32, 1, 2, 1)
        run(import_uwsgi(), f"Regent, Python {sys.version.split()[0]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
