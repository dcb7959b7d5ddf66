"""uWSGI's ``uwsgi`` module, as Regent provides it to the apps it runs.

This directory is put on ``sys.path`` only by Regent's zygote, so outside Regent
``import uwsgi`` fails exactly as it does without uWSGI, and ``try: import uwsgi``
guards in apps keep working.  Everything here is implemented in ``regent.api`` and
``regent.signals``; see docs/uwsgi-api.md for what each function does in Regent.
"""

from __future__ import annotations

try:
    from regent import api as _api
except ImportError:  # pragma: no cover - only if someone copies this file elsewhere
    _api = None  # type: ignore[assignment]

if _api is None or not _api.installed():
    raise ImportError("No module named 'uwsgi' (it exists only inside Regent's Python processes)")

from regent.api import (  # noqa: E402,F401
    cache_clear,
    cache_dec,
    cache_del,
    cache_div,
    cache_exists,
    cache_get,
    cache_inc,
    cache_keys,
    cache_mul,
    cache_num,
    cache_set,
    cache_stats,
    cache_update,
    get_logvar,
    is_locked,
    lock,
    log,
    masterpid,
    mem,
    micros,
    mule_id,
    reload,
    request_id,
    set_logvar,
    set_user_harakiri,
    setprocname,
    stop,
    total_requests,
    unlock,
    worker_id,
    workers,
)
from regent.signals import (  # noqa: E402,F401
    add_cron,
    add_file_monitor,
    add_ms_timer,
    add_rb_timer,
    add_timer,
    farm_get_msg,
    farm_msg,
    in_farm,
    mule_get_msg,
    mule_msg,
    register_signal,
    signal,
    signal_received,
    signal_registered,
    signal_wait,
)

globals().update(_api.module_attributes())

# -- hot paths ------------------------------------------------------------------------
#
# cache_get/set/update/inc/dec and lock/unlock run per request, so they skip regent.api's
# layers: each cache's fast paths (regent.cache) are found by name in one dict (None for the
# default cache, str and bytes spellings of each name) and called directly; cache_get is a
# single function built by regent.cache over all caches.  Anything unusual -- an
# unknown or remote cache name, a key that is neither str nor bytes, a non-int argument --
# goes to regent.api, which owns the warnings, conversions and error messages.
from typing import Any as _Any, Callable as _Callable, Optional as _Optional  # noqa: E402

from regent import cache as _cache  # noqa: E402


def _by_name(part: _Callable[[_Any], _Any]) -> dict[_Any, _Any]:
    st = _api._s()
    table: dict[_Any, _Any] = {}
    for name, c in st.caches.items():
        table[name] = table[name.encode("utf-8")] = part(c)
    if st.default_cache is not None:
        table[None] = part(st.default_cache)
    return table


_writers = _by_name(lambda c: c.writer)
_caches = _by_name(lambda c: c)
_adders = _by_name(lambda c: c.adder)
_api_cache_set, _api_cache_update = _api.cache_set, _api.cache_update
_api_cache_inc, _api_cache_dec = _api.cache_inc, _api.cache_dec


cache_get = _cache.make_getter(_caches, _api.cache_get)


def cache_exists(key: _Any, cache: _Any = None) -> _Optional[bool]:
    return True if cache_get(key, cache) is not None else None


def _checked_write(
    key: _Any, value: _Any, expires: int, cache: _Any, overwrite: bool, fallback: _Callable[..., _Optional[bool]]
) -> _Optional[bool]:
    """The fast path of cache_set/cache_update; anything unusual goes to ``fallback``."""
    try:
        write = _writers[cache]
    except (KeyError, TypeError):
        return fallback(key, value, expires, cache)
    if type(expires) is not int:
        return fallback(key, value, expires, cache)
    t = type(key)
    if t is str:
        key = key.encode()
    elif t is not bytes:
        return fallback(key, value, expires, cache)
    t = type(value)
    if t is str:
        value = value.encode()
    elif t is not bytes:
        return fallback(key, value, expires, cache)
    return True if write(key, value, expires, overwrite) else None


def cache_update(key: _Any, value: _Any, expires: int = 0, cache: _Any = None) -> _Optional[bool]:
    return _checked_write(key, value, expires, cache, True, _api_cache_update)


def cache_set(key: _Any, value: _Any, expires: int = 0, cache: _Any = None) -> _Optional[bool]:
    return _checked_write(key, value, expires, cache, False, _api_cache_set)


def cache_inc(key: _Any, n: int = 1, expires: int = 0, cache: _Any = None) -> _Optional[bool]:
    try:
        add = _adders[cache]
    except (KeyError, TypeError):
        return _api_cache_inc(key, n, expires, cache)
    t = type(key)
    if t is str:
        key = key.encode()
    elif t is not bytes or type(n) is not int or type(expires) is not int:
        return _api_cache_inc(key, n, expires, cache)
    return True if add(key, n, expires) else None


def cache_dec(key: _Any, n: int = 1, expires: int = 0, cache: _Any = None) -> _Optional[bool]:
    try:
        add = _adders[cache]
    except (KeyError, TypeError):
        return _api_cache_dec(key, n, expires, cache)
    t = type(key)
    if t is str:
        key = key.encode()
    elif t is not bytes or type(n) is not int or type(expires) is not int:
        return _api_cache_dec(key, n, expires, cache)
    return True if add(key, -n, expires) else None


# The lock closures themselves (no wrapper frame); without a locks file regent.api's
# functions raise uWSGI's "Invalid lock number".
if _api._s().locks is not None:
    lock = _api._s().locks.lock  # type: ignore[union-attr]  # noqa: F811
    unlock = _api._s().locks.unlock  # type: ignore[union-attr]  # noqa: F811

_missing = _api.not_implemented
# uWSGI features Regent does not have: calling them says so instead of faking a result.
spool = send_to_spooler = _missing("spool (the spooler)")
set_spooler_frequency = spooler_jobs = spooler_pid = spooler_pids = spooler_get_task = _missing(
    "the spooler")


def i_am_the_spooler() -> None:
    """Regent has no spooler, so no process is it (uWSGI answers None outside the spooler)."""
    return None


register_rpc = rpc = call = rpc_list = _missing("rpc (uWSGI RPC)")
websocket_handshake = websocket_recv = websocket_recv_nb = websocket_send = websocket_send_binary = _missing(
    "websockets")
sharedarea_read = sharedarea_write = sharedarea_memoryview = sharedarea_object = _missing("sharedarea")
queue_push = queue_pull = queue_pop = queue_get = queue_set = queue_last = queue_slot = queue_pull_slot = _missing(
    "the uWSGI queue")
metric_get = metric_set = metric_inc = metric_dec = metric_mul = metric_div = _missing("metrics")
metric_set_max = metric_set_min = _missing("metrics")
alarm = _missing("alarm (alarms)")
accepting = _missing("accepting")
route = _missing("route (internal routing)")
offload = _missing("offload")
sendfile = _missing("uwsgi.sendfile (use wsgi.file_wrapper)")
suspend = async_sleep = wait_fd_read = wait_fd_write = async_connect = _missing("async mode")
connection_fd = _missing("connection_fd (the master owns client connections)")
disconnect = _missing("disconnect")
add_var = _missing("add_var")
listen_queue = _missing("listen_queue")
chunked_read = chunked_read_nb = _missing("chunked_read")
logsize = _missing("logsize")
log_this_request = _missing("log_this_request")
ready = _missing("ready")
parsefile = _missing("parsefile")
extract = _missing("extract")
embedded_data = _missing("embedded_data")
cl = _missing("cl")
