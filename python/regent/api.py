"""The implementation behind the ``uwsgi`` module (python/compat/uwsgi.py re-exports it).

The zygote calls :func:`install` with the ``uwsgi`` object of REGENT_CONFIG before it
imports the app, so the app's ``import uwsgi`` at module level works; workers and mules
call :func:`enter_worker` / :func:`enter_mule` right after the fork.

What lives where:

* caches and user locks: shared memory and record locks (regent.cache, regent.locks),
  no round trip to the master;
* signals, timers, crons, mule messages: frames to the master on this process's *api
  connection* (HELLO role 4), opened on first use and again after a fork;
* per-worker request counters (``workers()``, ``total_requests()``): the *workers file*,
  ``processes`` records of 32 bytes written by each worker about itself::

      +-----------+-----------+----------------+----------------+-----------+-----------+
      | pid u32   | status u32| requests u64   | last_spawn i64 | spawns u32| reserved  |
      |           | 0 idle    | (cumulative)   | unix seconds   |           | u32       |
      |           | 1 busy    |                |                |           |           |
      +-----------+-----------+----------------+----------------+-----------+-----------+
        0           4           8                16               24          28

Functions for uWSGI features Regent lacks raise NotImplementedError naming the feature.
"""

from __future__ import annotations

import mmap
import os
import socket
import struct
import sys
import threading
import time
import traceback
from typing import Any, Callable, Optional, Union

from . import process
from .cache import Cache
from .locks import UserLocks

Key = Union[str, bytes]

UWSGI_VERSION = "2.0.21"
SIGNAL_MAX = 255

# Roles of the extra connections (docs/worker-protocol.md, HELLO).
ROLE_MULE = 3
ROLE_API = 4

_WORKER = struct.Struct("<IIQqII")
_REQUESTS_OFF = 8


class _State:
    def __init__(self) -> None:
        self.conf: dict[str, Any] = {}
        self.socket_path = ""
        self.token = ""
        self.generation = 0
        self.processes = 1
        self.threads = 1
        self.worker_id = 0
        self.mule_id = 0
        self.caches: dict[str, Cache] = {}
        self.default_cache: Optional[Cache] = None
        self.locks: Optional[UserLocks] = None
        self.workers_mm: Optional[mmap.mmap] = None
        self.api_sock: Optional[socket.socket] = None
        self.api_lock = threading.Lock()
        self.handlers: dict[int, tuple[str, Callable[[int], Any]]] = {}
        self.requests = 0
        self.local = threading.local()
        self.unknown_warned: set[str] = set()
        self.mule_channel: Any = None


_state: Optional[_State] = None


def installed() -> bool:
    return _state is not None


def _s() -> _State:
    if _state is None:
        raise RuntimeError("the uwsgi module is not initialised (not inside Regent)")
    return _state


def log_line(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def setup(config: Any) -> None:
    """In the zygote: put python/compat (the ``uwsgi`` and ``uwsgidecorators`` modules) on
    sys.path and install the API from the config's ``uwsgi`` object."""
    compat = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "compat")
    if compat not in sys.path:
        sys.path.insert(0, compat)
    try:
        install(config.uwsgi, config.socket, config.token, config.generation, config.processes, config.threads)
    except ValueError as exc:
        raise OSError(f"uwsgi API: {exc}") from None


_fork_hook_registered = False


def install(conf: dict[str, Any], socket_path: str, token: str, generation: int, processes: int,
            threads: int) -> None:
    """Map the caches, open the lock files; called once in the zygote (or a test)."""
    global _state
    st = _State()
    st.conf = conf
    st.socket_path = socket_path
    st.token = token
    st.generation = generation
    st.processes = processes
    st.threads = threads
    for spec in conf.get("caches", []):
        cache = Cache(spec["name"], spec["path"], spec["lock"], bool(spec.get("store")), log=log_line)
        st.caches[spec["name"]] = cache
        if st.default_cache is None:
            st.default_cache = cache
    locks_file = conf.get("locks_file")
    if locks_file:
        st.locks = UserLocks(locks_file, int(conf.get("locks", 0)))
    workers_file = conf.get("workers_file")
    if workers_file:
        fd = os.open(workers_file, os.O_RDWR)
        try:
            st.workers_mm = mmap.mmap(fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)
    _state = st
    global _fork_hook_registered
    if not _fork_hook_registered:
        os.register_at_fork(after_in_child=_after_fork)
        _fork_hook_registered = True


def _after_fork() -> None:
    st = _state
    if st is None:
        return
    for cache in st.caches.values():
        cache.after_fork()
    if st.locks is not None:
        st.locks.after_fork()
    if st.api_sock is not None:
        try:
            st.api_sock.close()
        except OSError:
            pass
        st.api_sock = None  # the parent's connection: never shared
    st.api_lock = threading.Lock()
    st.local = threading.local()


def enter_worker(worker_id: int) -> None:
    from . import signals, wsgi

    st = _s()
    st.worker_id = worker_id
    wsgi.on_request = request_started
    wsgi.on_idle_frame = signals.slot_frame
    mm = st.workers_mm
    if mm is not None and 1 <= worker_id and worker_id * _WORKER.size <= len(mm):
        off = (worker_id - 1) * _WORKER.size
        _pid, _status, requests, _last, spawns, _r = _WORKER.unpack_from(mm, off)
        _WORKER.pack_into(mm, off, os.getpid(), 0, requests, int(time.time()), spawns + 1, 0)
    if worker_id == 1 and st.caches:
        _start_sweeper(st)


def enter_mule(mule_id: int) -> None:
    _s().mule_id = mule_id


def run_post_fork_hooks() -> None:
    module = sys.modules.get("uwsgi")
    hook = getattr(module, "post_fork_hook", None)
    if callable(hook):
        hook()


def request_started() -> None:
    """Called by the slot before each request (counters, per-request log variables)."""
    st = _state
    if st is None:
        return
    st.requests += 1
    st.local.logvars = None
    mm = st.workers_mm
    wid = st.worker_id
    if mm is not None and wid > 0:
        off = (wid - 1) * _WORKER.size + _REQUESTS_OFF
        struct.pack_into("<Q", mm, off, struct.unpack_from("<Q", mm, off)[0] + 1)


def _start_sweeper(st: _State) -> None:
    period = max(1, int(st.conf.get("cache_expire_freq", 3)))

    def sweep() -> None:
        while True:
            time.sleep(period)
            for cache in list(st.caches.values()):
                try:
                    cache.sweep()
                except Exception:
                    traceback.print_exc()

    threading.Thread(target=sweep, name="regent-cache-sweeper", daemon=True).start()


# -- cache ----------------------------------------------------------------------------


def _b(value: Key) -> bytes:
    if type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"argument: {type(value).__name__} (expected: str or bytes)")


def _cache(name: Optional[Key]) -> Optional[Cache]:
    st = _state
    if st is None:
        return None
    if name is None:
        cache = st.default_cache
        if cache is None:
            _warn_unknown(st, "", "no cache is configured (cache2 = name=...,items=...)")
        return cache
    text = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
    cache = st.caches.get(text)
    if cache is None:
        if "@" in text:
            raise NotImplementedError(f"remote caches (\"{text}\"): Regent has no cache network protocol")
        _warn_unknown(st, text, f"no cache named \"{text}\" (configured: {', '.join(st.caches) or 'none'})")
    return cache


def _warn_unknown(st: _State, name: str, message: str) -> None:
    if name not in st.unknown_warned:
        st.unknown_warned.add(name)
        log_line("uwsgi cache API: " + message + "; the call returns None")


def cache_get(key: Key, cache: Optional[Key] = None) -> Optional[bytes]:
    c = _state.default_cache if cache is None and _state is not None else _cache(cache)
    if c is None:
        return None
    return c.get(key if type(key) is bytes else _b(key))


def cache_exists(key: Key, cache: Optional[Key] = None) -> Optional[bool]:
    c = _cache(cache)
    if c is None:
        return None
    return True if c.get(_b(key)) is not None else None


def cache_set(key: Key, value: Key, expires: int = 0, cache: Optional[Key] = None) -> Optional[bool]:
    c = _cache(cache)
    if c is None:
        return None
    return True if c.set(_b(key), _b(value), int(expires), overwrite=False) else None


def cache_update(key: Key, value: Key, expires: int = 0, cache: Optional[Key] = None) -> Optional[bool]:
    c = _cache(cache)
    if c is None:
        return None
    return True if c.set(_b(key), _b(value), int(expires), overwrite=True) else None


def cache_del(key: Key, cache: Optional[Key] = None) -> Optional[bool]:
    c = _cache(cache)
    if c is None:
        return None
    return True if c.delete(_b(key)) else None


def cache_clear(cache: Optional[Key] = None) -> Optional[bool]:
    c = _cache(cache)
    if c is None:
        return None
    c.clear()
    return True


def cache_keys(cache: Optional[Key] = None) -> Optional[list[bytes]]:
    c = _cache(cache)
    if c is None:
        return None
    return c.keys()


def _math(op: str, key: Key, n: int, expires: int, cache: Optional[Key]) -> Optional[bool]:
    c = _cache(cache)
    if c is None:
        return None
    return True if c.math(_b(key), op, int(n), int(expires)) else None


def cache_inc(key: Key, n: int = 1, expires: int = 0, cache: Optional[Key] = None) -> Optional[bool]:
    return _math("inc", key, n, expires, cache)


def cache_dec(key: Key, n: int = 1, expires: int = 0, cache: Optional[Key] = None) -> Optional[bool]:
    return _math("dec", key, n, expires, cache)


def cache_mul(key: Key, n: int = 2, expires: int = 0, cache: Optional[Key] = None) -> Optional[bool]:
    return _math("mul", key, n, expires, cache)


def cache_div(key: Key, n: int = 2, expires: int = 0, cache: Optional[Key] = None) -> Optional[bool]:
    return _math("div", key, n, expires, cache)


def cache_num(key: Key, cache: Optional[Key] = None) -> int:
    c = _cache(cache)
    if c is None:
        return 0
    value = c.get(_b(key))
    if value is None or len(value) != 8:
        return 0
    return int(struct.unpack("<q", value)[0])


# -- locks ------------------------------------------------------------------------------


def _locks() -> UserLocks:
    st = _s()
    if st.locks is None:
        raise ValueError("Invalid lock number")
    return st.locks


def lock(n: int = 0) -> None:
    _locks().lock(n)


def unlock(n: int = 0) -> None:
    _locks().unlock(n)


def is_locked(n: int = 0) -> bool:
    return _locks().is_locked(n)


# -- process ------------------------------------------------------------------------------


def worker_id() -> int:
    return _s().worker_id


def mule_id() -> int:
    return _s().mule_id


def masterpid() -> int:
    return int(_s().conf.get("masterpid", 0))


def workers() -> tuple[dict[str, Any], ...]:
    st = _s()
    out = []
    mm = st.workers_mm
    for wid in range(1, st.processes + 1):
        pid = requests = last_spawn = spawns = 0
        if mm is not None and wid * _WORKER.size <= len(mm):
            pid, _status, requests, last_spawn, spawns, _r = _WORKER.unpack_from(mm, (wid - 1) * _WORKER.size)
        out.append({
            "id": wid, "pid": pid, "requests": requests, "status": b"idle" if pid else b"cheap",
            "last_spawn": last_spawn, "respawn_count": max(0, spawns - 1), "signals": 0, "exceptions": 0,
            "rss": 0, "vsz": 0, "running_time": 0, "tx": 0, "avg_rt": 0, "delta_requests": 0, "apps": (),
        })
    return tuple(out)


def total_requests() -> int:
    st = _s()
    mm = st.workers_mm
    if mm is None:
        return st.requests
    return sum(_WORKER.unpack_from(mm, (w - 1) * _WORKER.size)[2] for w in range(1, st.processes + 1)
               if w * _WORKER.size <= len(mm))


def request_id() -> int:
    return _s().requests


def setprocname(name: Key) -> None:
    process.set_process_name(name.decode() if isinstance(name, bytes) else str(name))


def reload() -> bool:
    os.kill(int(_s().conf.get("signal_pid", masterpid())), 1)  # SIGHUP: graceful reload
    return True


def stop() -> Optional[bool]:
    import signal as _signal
    # The master's JVM cannot take SIGQUIT (thread dumps); SIGPWR is its "stop now".
    os.kill(int(_s().conf.get("signal_pid", masterpid())), getattr(_signal, "SIGPWR", _signal.SIGINT))
    return True


def log(message: str) -> bool:
    log_line(str(message))
    return True


def set_logvar(key: str, value: str) -> None:
    st = _s()
    logvars = getattr(st.local, "logvars", None)
    if logvars is None:
        logvars = st.local.logvars = {}
    logvars[str(key)] = str(value)


def get_logvar(key: str) -> Optional[bytes]:
    logvars = getattr(_s().local, "logvars", None)
    if not logvars or key not in logvars:
        return None
    return str(logvars[key]).encode("utf-8")


def set_user_harakiri(seconds: int) -> None:
    """Kill this worker if the current request (or signal handler) is still running in
    ``seconds``; 0 clears it.  The master times it on the slot and clears it when the job
    ends, as uWSGI clears it at the end of each request."""
    from . import direct, protocol, wsgi

    seconds = int(seconds)
    if seconds < 0:
        raise ValueError(f"harakiri seconds: {seconds} (expected: >= 0)")
    if direct.set_harakiri(seconds):
        return
    channel = getattr(wsgi.current_slot, "channel", None)
    if channel is None:
        if seconds == 0:
            return  # nothing can be set here, so nothing to clear
        raise NotImplementedError(
            "user harakiri (set_user_harakiri) outside a worker's request thread (mules, app threads)"
            " is not available in Regent"
        )
    channel.send(protocol.encode_set_harakiri(min(seconds, 0x7FFFFFFF)))


def micros() -> int:
    return time.time_ns() // 1000


def mem() -> tuple[int, int]:
    try:
        with open("/proc/self/statm") as f:
            vsz, rss = (int(x) for x in f.read().split()[:2])
    except OSError:
        return 0, 0
    page = os.sysconf("SC_PAGE_SIZE")
    return rss * page, vsz * page


def cache_stats(cache: Optional[Key] = None) -> Optional[dict[str, int]]:
    """Regent extension: the cache's counters (items used, full and too-big refusals)."""
    c = _cache(cache)
    return None if c is None else c.stats()


def module_attributes() -> dict[str, Any]:
    """The ``uwsgi`` module's data attributes."""
    st = _s()
    conf = st.conf
    version = conf.get("version", UWSGI_VERSION + "-regent")
    opt: dict[str, Any] = {}
    for name, value in conf.get("options", {}).items():
        opt[name] = _opt_value(value)
    return {
        "version": version.encode(),
        "version_info": (2, 0, 21, 0, "regent"),
        "hostname": socket.gethostname().encode(),
        "numproc": st.processes,
        "has_threads": True,
        "cores": st.threads,
        "loop": None,
        "unbit": None,
        "buffer_size": int(conf.get("buffer_size", 4096)),
        "started_on": int(conf.get("started_on", time.time())),
        "opt": opt,
        "magic_table": {},
        "applications": None,
        "is_a_reload": st.generation > 1,
        "SPOOL_RETRY": -1,
        "SPOOL_OK": -2,
        "SPOOL_IGNORE": 0,
    }


def _opt_value(value: Any) -> Any:
    if value is True:
        return True
    if isinstance(value, list):
        # One occurrence reads as a value; a repeated option as the list of its values.
        return _opt_value(value[0]) if len(value) == 1 else [_opt_value(v) for v in value]
    return str(value).encode("utf-8")


def not_implemented(feature: str) -> Callable[..., Any]:
    def missing(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{feature} is not available in Regent")

    missing.__name__ = feature.split()[0]
    return missing
