"""A worker process: ``threads`` slot connections, each served by its own thread."""

from __future__ import annotations

import faulthandler
import os
import signal
import socket
import sys
import threading
import traceback
from typing import NoReturn, Optional

from . import api, direct, loader
from .channel import Channel
from .config import Config
from .errors import EXIT_FAILURE, EXIT_OK, EXIT_WORKER_LOAD_FAILED, AppLoadError, ChannelClosed
from .protocol import ROLE_SLOT, encode_hello
from .wsgi import SlotHandler, WSGIApp, base_environ


def run(config: Config, worker_id: int, app: Optional[WSGIApp]) -> NoReturn:
    """Serve until a slot connection closes; never returns (the process exits)."""
    # Before a harakiri kill the master sends SIGUSR2 so that the log shows where every
    # thread was stuck; faulthandler prints from C, even while the GIL is held.
    faulthandler.register(signal.SIGUSR2, file=sys.stderr, all_threads=True, chain=False)
    if api.installed():
        api.enter_worker(worker_id)
    if app is None:
        try:
            app = loader.load(config.app)
        except AppLoadError as exc:
            sys.stderr.write(exc.text)
            _exit(EXIT_WORKER_LOAD_FAILED)
    if api.installed():
        api.run_post_fork_hooks()
    pid = os.getpid()
    channels = []
    try:
        for slot in range(config.threads):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(config.socket)
            sock.sendall(encode_hello(config.token, ROLE_SLOT, config.generation, worker_id, slot, pid))
            channels.append(Channel(sock))
    except OSError as exc:
        print(f"worker {worker_id}: cannot connect to {config.socket}: {exc}", file=sys.stderr)
        _exit(EXIT_FAILURE)
    environ = base_environ(config.processes, config.threads)
    for slot, channel in enumerate(channels[1:], start=1):
        thread = threading.Thread(
            target=serve_slot, args=(SlotHandler(channel, app, environ),), name=f"slot-{slot}", daemon=True
        )
        thread.start()
    serve_slot(SlotHandler(channels[0], app, environ))


def serve_slot(handler: SlotHandler) -> NoReturn:
    """One slot's loop.  Its end, for whatever reason, ends the whole process:
    the master treats the worker as one unit, and a half-connected worker would
    hold slots that can never be served."""
    code = EXIT_OK
    try:
        handler.serve()
    except ChannelClosed:
        # Retired or the master is gone: other slots may be answering a direct request,
        # which ends first (the master's worker-reload-mercy bounds the wait).
        direct.quiesce.wait()
    except BaseException:
        traceback.print_exc()
        code = EXIT_FAILURE
    _exit(code)


def _exit(code: int) -> NoReturn:
    # os._exit skips interpreter teardown (other slot threads may be mid-request,
    # atexit hooks belong to the zygote's image), so flush what the app printed.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


