"""uWSGI signals, timers, crons and mules: the parts of the ``uwsgi`` module that need the master.

The master keeps time and routes: a process registers a handler locally and tells the
master the signal's target (REGISTER_SIGNAL on its api connection); timers and crons
(ADD_TIMER, ADD_CRON) live in the master's scheduler; when one fires, or someone calls
``uwsgi.signal(n)`` (RAISE_SIGNAL), the master sends RUN_SIGNAL to an idle slot of the
target worker (between two requests, never in the middle of one) or to the target mule.
Handlers registered in the zygote while the app is imported exist in every worker and
mule, as in uWSGI where the master registers them before forking.

Payloads (docs/worker-protocol.md has the table)::

    REGISTER_SIGNAL  u8 signum | target (UTF-8: "", worker, workers, workerN, mule, ...)
    ADD_TIMER        u8 signum | u8 flags (1 unique) | u32 period_ms | u32 iterations (0 = forever)
    ADD_CRON         u8 signum | i16 minute | i16 hour | i16 day | i16 month | i16 weekday
                     [| u8 flags (1 unique)]
    RAISE_SIGNAL     u8 signum
    MULE_MSG         u8 kind (0 any mule, 1 mule id, 2 farm) | u32 mule_id | u8 n | farm name (n bytes)
                     | message bytes
    MULE_MESSAGE     message bytes                              (master -> mule)
    RUN_SIGNAL       u8 signum                                  (master -> slot or mule)
    SIGNAL_DONE      u8 signum | u8 status (0 ran, 1 no handler, 2 raised)
"""

from __future__ import annotations

import os
import runpy
import select
import socket
import struct
import sys
import time
import traceback
from typing import Any, Callable, NoReturn, Optional, Union

from . import api, process
from .channel import Channel
from .errors import ChannelClosed, ProtocolError
from .protocol import (
    ADD_CRON,
    ADD_TIMER,
    MULE_MESSAGE,
    MULE_MSG,
    RAISE_SIGNAL,
    REGISTER_SIGNAL,
    RUN_SIGNAL,
    SIGNAL_DONE,
    encode_frame,
    encode_hello,
)

_CRON = struct.Struct("<Bhhhhh")
_TIMER = struct.Struct("<BBII")
_MULE_TARGET = struct.Struct("<BIB")

DONE_RAN = 0
DONE_NO_HANDLER = 1
DONE_RAISED = 2


def _signum(num: int) -> int:
    num = int(num)
    if num < 0 or num > api.SIGNAL_MAX:
        raise ValueError(f"signal number {num} (expected: 0..{api.SIGNAL_MAX})")
    return num


def _send(frame: bytes) -> None:
    """One frame on this process's api connection (opened on first use, after a fork too)."""
    st = api._s()
    with st.api_lock:
        for attempt in (1, 2):
            if st.api_sock is None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(st.socket_path)
                ident = st.worker_id or st.mule_id
                sock.sendall(encode_hello(st.token, api.ROLE_API, st.generation, ident, 0, os.getpid()))
                st.api_sock = sock
            try:
                st.api_sock.sendall(frame)
                return
            except OSError:
                st.api_sock.close()
                st.api_sock = None
                if attempt == 2:
                    raise


# -- signals --------------------------------------------------------------------------


def register_signal(num: int, target: Union[str, bytes], handler: Callable[[int], Any]) -> None:
    num = _signum(num)
    if not callable(handler):
        raise TypeError("register_signal: the handler is not callable")
    text = target.decode() if isinstance(target, bytes) else str(target)
    api._s().handlers[num] = (text, handler)
    _send(encode_frame(REGISTER_SIGNAL, bytes((num,)) + text.encode()))


def signal_registered(num: int) -> Optional[bool]:
    return True if _signum(num) in api._s().handlers else None


def signal(num: int, remote: Optional[str] = None) -> None:
    if remote:
        raise NotImplementedError("remote signals (uwsgi.signal with a node)")
    _send(encode_frame(RAISE_SIGNAL, bytes((_signum(num),))))


# ADD_TIMER / ADD_CRON flag (a Regent extension, the ``unique=True`` keyword): the master does
# not deliver the signal where its previous delivery is still running.
FLAG_UNIQUE = 0x01


def add_timer(num: int, seconds: int, *, unique: bool = False) -> None:
    add_ms_timer(num, int(seconds) * 1000, unique=unique)


def add_ms_timer(num: int, ms: int, *, unique: bool = False) -> None:
    if int(ms) <= 0:
        raise ValueError("timer period must be positive")
    _send(encode_frame(ADD_TIMER, _TIMER.pack(_signum(num), FLAG_UNIQUE if unique else 0, int(ms), 0)))


def add_rb_timer(num: int, seconds: int, iterations: int = 0, *, unique: bool = False) -> None:
    if int(seconds) <= 0:
        raise ValueError("timer period must be positive")
    _send(encode_frame(ADD_TIMER, _TIMER.pack(_signum(num), FLAG_UNIQUE if unique else 0, int(seconds) * 1000,
                                              max(0, int(iterations)))))


def add_cron(num: int, minute: int, hour: int, day: int, month: int, weekday: int, *,
             unique: bool = False) -> bool:
    payload = _CRON.pack(_signum(num), int(minute), int(hour), int(day), int(month), int(weekday))
    if unique:
        payload += bytes((FLAG_UNIQUE,))
    _send(encode_frame(ADD_CRON, payload))
    return True


def add_file_monitor(num: int, path: str) -> None:
    raise NotImplementedError("file monitors (add_file_monitor)")


def signal_wait(num: Optional[int] = None) -> None:
    raise NotImplementedError("signal_wait")


def signal_received() -> None:
    raise NotImplementedError("signal_received")


def run_handler(num: int) -> int:
    """Run the local handler of ``num``; the SIGNAL_DONE status."""
    entry = api._s().handlers.get(num)
    if entry is None:
        api.log_line(f"signal {num}: no handler registered in this process (pid {os.getpid()})")
        return DONE_NO_HANDLER
    try:
        entry[1](num)
        return DONE_RAN
    except Exception:
        print(f"signal {num}: the handler raised:", file=sys.stderr)
        traceback.print_exc()
        sys.stderr.flush()
        return DONE_RAISED


def slot_frame(channel: Channel, frame_type: int, payload: bytes) -> None:
    """A frame other than REQUEST on an idle slot: RUN_SIGNAL runs the handler now."""
    if frame_type != RUN_SIGNAL or len(payload) != 1:
        raise ProtocolError(f"frame type: 0x{frame_type:02x} (expected: REQUEST or RUN_SIGNAL)")
    status = run_handler(payload[0])
    channel.send(encode_frame(SIGNAL_DONE, bytes((payload[0], status))))


# -- mules ----------------------------------------------------------------------------


def _mules() -> list[dict[str, Any]]:
    return list(api._s().conf.get("mules", []))


def mule_msg(message: Union[str, bytes], target: Union[int, str, bytes, None] = None) -> bool:
    if not _mules():
        raise ValueError("no mule configured")
    data = message.encode() if isinstance(message, str) else bytes(message)
    if target is None:
        head = _MULE_TARGET.pack(0, 0, 0)
    elif isinstance(target, int):
        if target < 0 or target > len(_mules()):
            raise ValueError(f"invalid mule number {target}")
        head = _MULE_TARGET.pack(1 if target else 0, target, 0)
    else:
        farm = target.encode() if isinstance(target, str) else bytes(target)
        if farm.decode() not in api._s().conf.get("farms", {}):
            raise ValueError(f"unknown farm {farm.decode()!r}")
        head = _MULE_TARGET.pack(2, 0, len(farm)) + farm
    _send(encode_frame(MULE_MSG, head + data))
    return True


def farm_msg(farm: Union[str, bytes], message: Union[str, bytes]) -> bool:
    return mule_msg(message, farm if isinstance(farm, (str, bytes)) else str(farm))


def in_farm(name: Optional[Union[str, bytes]] = None) -> Optional[bool]:
    st = api._s()
    if not st.mule_id:
        return None
    farms: dict[str, list[int]] = st.conf.get("farms", {})
    if name is None:
        return True if any(st.mule_id in ids for ids in farms.values()) else None
    text = name.decode() if isinstance(name, bytes) else str(name)
    return True if st.mule_id in farms.get(text, []) else None


def mule_get_msg(signals: bool = True, farms: bool = True, buffer_size: int = 65536,
                 timeout: int = -1) -> Optional[bytes]:
    st = api._s()
    channel: Optional[Channel] = st.mule_channel
    if channel is None or not st.mule_id:
        raise ValueError("mule_get_msg() can be used only in a mule")
    deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
    while True:
        if deadline is not None and not channel_has_data(channel, deadline):
            return None
        frame_type, payload = channel.read_frame()
        if frame_type == MULE_MESSAGE:
            return payload
        if frame_type == RUN_SIGNAL and len(payload) == 1:
            status = run_handler(payload[0]) if signals else DONE_NO_HANDLER
            channel.send(encode_frame(SIGNAL_DONE, bytes((payload[0], status))))
            continue
        raise ProtocolError(f"mule: frame type 0x{frame_type:02x} (expected: MULE_MESSAGE or RUN_SIGNAL)")


def farm_get_msg() -> Optional[bytes]:
    return mule_get_msg(timeout=0)


def channel_has_data(channel: Channel, deadline: float) -> bool:
    if channel._end > channel._start:
        return True
    left = max(0.0, deadline - time.monotonic())
    ready, _w, _x = select.select([channel.sock], [], [], left)
    return bool(ready)


def run_mule(mule_id: int) -> NoReturn:
    """A mule's life: connect (role 3), run its script or the message loop; exits on EOF."""
    st = api._s()
    api.enter_mule(mule_id)
    process.set_process_name(f"regent mule {mule_id}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(st.socket_path)
        sock.sendall(encode_hello(st.token, api.ROLE_MULE, st.generation, mule_id, 0, os.getpid()))
    except OSError as exc:
        print(f"mule {mule_id}: cannot connect to {st.socket_path}: {exc}", file=sys.stderr)
        _exit(1)
    st.mule_channel = Channel(sock)
    api.run_post_fork_hooks()
    script = None
    for spec in _mules():
        if spec.get("id") == mule_id:
            script = spec.get("script")
    code = 0
    try:
        if script:
            runpy.run_path(script, run_name="__main__")
        else:
            _message_loop()
    except ChannelClosed:
        pass
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    _exit(code)


def _message_loop() -> None:
    """A mule without a script: each message goes to ``uwsgi.mule_msg_hook`` (uwsgidecorators sets it)."""
    while True:
        message = mule_get_msg()
        if message is None:
            continue
        hook = getattr(sys.modules.get("uwsgi"), "mule_msg_hook", None)
        if hook is None:
            api.log_line(f"mule {api._s().mule_id}: message of {len(message)} bytes, but no mule_msg_hook is set")
            continue
        try:
            hook(message)
        except Exception:
            traceback.print_exc()
            sys.stderr.flush()


def _exit(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
