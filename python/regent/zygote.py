"""The zygote: imports the app once, then forks workers on the master's command.

One thread owns everything here: a selector loop over the control connection,
the signal wake-up pipe and every worker's stdout/stderr pipes.  Signal handlers
do nothing; the wake-up fd tells the loop which signals arrived, and the loop
reaps, forwards and shuts down.
"""

from __future__ import annotations

import gc
import os
import selectors
import signal
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, NoReturn, Optional

from . import api, direct, loader, process, signals, worker
from .config import Config
from .errors import EXIT_FAILURE, EXIT_OK, EXIT_ZYGOTE_LOAD_FAILED, AppLoadError, ProtocolError
from .logpipe import LineSplitter
from .protocol import (
    MULE_ID_BASE,
    ROLE_CONTROL,
    SHUTDOWN,
    SIGNAL,
    SPAWN,
    SPAWN_MULE,
    STDERR,
    STDOUT,
    FrameReader,
    decode_signal,
    decode_spawn,
    decode_status_byte,
    encode_exited,
    encode_hello,
    encode_load_failed,
    encode_log,
    encode_ready,
    encode_spawned,
)
from .wsgi import WSGIApp

_READ_SIZE = 65536
# Signals the zygote changes and every worker must get back at their defaults.
_HANDLED = (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)


@dataclass
class Child:
    worker_id: int
    pid: int
    # read end fd -> (stream number, its line splitter)
    pipes: dict[int, tuple[int, LineSplitter]] = field(default_factory=dict)


def run(config: Config) -> int:
    """Connect, load the app, report, then serve the control loop; the exit status."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(config.socket)
        sock.sendall(encode_hello(config.token, ROLE_CONTROL, config.generation, 0, 0, os.getpid()))
    except OSError as exc:
        print(f"zygote: cannot connect to {config.socket}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    started = time.monotonic()
    app: Optional[WSGIApp] = None
    try:
        # Before the chroot and the identity change: the sockets come over the master's
        # channel and the scoreboard is a file in the runtime directory.
        direct.fetch(config.socket, config.token, config.generation, config.scoreboard)
    except (OSError, ProtocolError) as exc:
        _send_or_report(sock, encode_load_failed(f"cannot receive the uwsgi sockets from the master: {exc}\n"))
        sock.close()
        return EXIT_ZYGOTE_LOAD_FAILED
    if config.app.zygote_name is not None:
        process.set_process_name(config.app.zygote_name)
    try:
        chroot = config.app.chroot
        if chroot is not None:
            # Inside the new root the runtime directory is out of sight: the API's files are
            # opened and the uwsgi modules imported now (their descriptors survive the chroot).
            try:
                _prepare_api_for_chroot(config)
            except OSError:
                raise AppLoadError(traceback.format_exc()) from None
        try:
            # Before chdir and the import: the app's code never runs with the master's identity.
            process.apply_identity(config.app.uid, config.app.gid, config.app.umask, chroot)
        except (OSError, ValueError) as exc:
            raise AppLoadError(f"cannot take the configured identity: {exc}\n") from None
        try:
            if chroot is None:
                api.setup(config)  # the uwsgi module: before the app imports it
            loader.prepare(config.app)
        except OSError:
            raise AppLoadError(traceback.format_exc()) from None
        if not config.app.lazy_apps:
            app = loader.load(config.app)
    except AppLoadError as exc:
        # Not printed as well: the master logs LOAD_FAILED, and would log it twice.
        if _send_or_report(sock, encode_load_failed(exc.text)):
            _await_master(sock, _LOAD_FAILED_LINGER)
        sock.close()
        return EXIT_ZYGOTE_LOAD_FAILED
    elapsed = (time.monotonic() - started) * 1000
    if app is None:
        description = f"{config.app.target()} (lazy-apps: each worker imports it)"
    else:
        description = f"{config.app.target()} loaded in {elapsed:.0f} ms"
    v = sys.version_info
    description += f" (zygote pid {os.getpid()}, Python {v[0]}.{v[1]}.{v[2]}, generation {config.generation})"
    if not _send_or_report(sock, encode_ready(description)):
        return EXIT_FAILURE
    return Zygote(config, sock, app).loop()


def _prepare_api_for_chroot(config: Config) -> None:
    """api.setup, plus the imports the app would otherwise do after the chroot, when the
    compat directory no longer exists."""
    api.setup(config)
    import uwsgi  # noqa: F401
    try:
        import uwsgidecorators  # noqa: F401
    except Exception:  # it refuses to load without a master; the app would get that error too
        pass


# How long a zygote whose app failed to load waits for the master's answer before exiting.
_LOAD_FAILED_LINGER = 2.0


def _await_master(sock: socket.socket, timeout: float) -> None:
    """Wait until the master answers (SHUTDOWN) or closes the connection, at most ``timeout``.

    The master learns of our exit from its process watcher and of LOAD_FAILED from the
    socket; exiting at once lets the exit win that race, and the traceback is never logged.
    """
    try:
        sock.settimeout(timeout)
        sock.recv(4096)
    except OSError:
        pass


def _send_or_report(sock: socket.socket, frame: bytes) -> bool:
    try:
        sock.sendall(frame)
        return True
    except OSError as exc:
        print(f"zygote: the master closed the control connection: {exc}", file=sys.stderr)
        return False


class Zygote:
    def __init__(self, config: Config, sock: socket.socket, app: Optional[WSGIApp]) -> None:
        self.config = config
        self.sock = sock
        self.app = app
        self.pid = os.getpid()
        self.reader = FrameReader()
        self.children: dict[int, Child] = {}
        self.pipes: dict[int, Child] = {}
        self.outbox: list[bytes] = []
        self.stopping = False
        self.selector = selectors.DefaultSelector()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        process.load_libc()

    def loop(self) -> int:
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        for signum in _HANDLED:
            signal.signal(signum, _note_signal)
        self.selector.register(self.sock, selectors.EVENT_READ, "control")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "signal")
        try:
            while not (self.stopping and not self.children):
                for key, _ in self.selector.select():
                    if key.data == "control":
                        if not self._read_control():
                            return self._abandon()
                    elif key.data == "signal":
                        self._read_signals()
                    else:
                        self._read_pipe(key.fd)
                self._flush()
            self._drain_all_pipes()
            self._flush()
            return EXIT_OK
        except ProtocolError as exc:
            print(f"zygote: control connection: {exc}", file=sys.stderr)
            self._abandon()
            return EXIT_FAILURE

    def _flush(self) -> None:
        if self.outbox:
            data = b"".join(self.outbox)
            del self.outbox[:]
            try:
                self.sock.sendall(data)
            except OSError:
                pass  # the EOF that follows on the read side ends the zygote

    def _read_control(self) -> bool:
        try:
            data = self.sock.recv(_READ_SIZE)
        except OSError:
            data = b""
        if not data:
            return False
        for frame in self.reader.feed(data):
            if frame.type == SPAWN:
                self._spawn(decode_spawn(frame.payload))
            elif frame.type == SPAWN_MULE:
                self._spawn(MULE_ID_BASE + decode_spawn(frame.payload))
            elif frame.type == SIGNAL:
                pid, signum = decode_signal(frame.payload)
                if pid in self.children:  # never signal a pid that is not our worker
                    _kill(pid, signum)
            elif frame.type == SHUTDOWN:
                mode = decode_status_byte(SHUTDOWN, frame.payload)
                self._shutdown(signal.SIGKILL if mode == 1 else signal.SIGTERM)
            else:
                raise ProtocolError(f"frame type: 0x{frame.type:02x} (expected: SPAWN, SIGNAL or SHUTDOWN)")
        return True

    def _read_signals(self) -> None:
        try:
            data = os.read(self.wake_r, 512)
        except BlockingIOError:
            return
        if signal.SIGTERM in data or signal.SIGINT in data or signal.SIGHUP in data or signal.SIGQUIT in data:
            # Someone signalled the zygote directly (a terminal's ^C reaches the whole
            # process group): stop the workers gracefully, as SHUTDOWN(0) would.
            self._shutdown(signal.SIGTERM)
        self._reap()

    def _shutdown(self, signum: int) -> None:
        self.stopping = True
        for pid in self.children:
            _kill(pid, signum)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue  # a child the app's import code forked; reaped so it is no zombie
            # Lines the worker printed before it died go out before its EXITED.
            for fd in list(child.pipes):
                self._read_pipe(fd, until_empty=True)
            self.outbox.append(encode_exited(child.worker_id, pid, os.waitstatus_to_exitcode(status)))

    def _read_pipe(self, fd: int, until_empty: bool = False) -> None:
        child = self.pipes.get(fd)
        if child is None:
            return
        stream, splitter = child.pipes[fd]
        while True:
            try:
                data = os.read(fd, _READ_SIZE)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                lines = splitter.flush()
                self._close_pipe(child, fd)
            else:
                lines = splitter.feed(data)
            for line in lines:
                self.outbox.append(encode_log(child.worker_id, stream, line))
            if not data or not until_empty:
                return

    def _close_pipe(self, child: Child, fd: int) -> None:
        self.selector.unregister(fd)
        os.close(fd)
        del child.pipes[fd]
        del self.pipes[fd]

    def _drain_all_pipes(self) -> None:
        for fd in list(self.pipes):
            self._read_pipe(fd, until_empty=True)

    def _spawn(self, worker_id: int) -> None:
        if self.stopping:
            print(f"zygote: SPAWN {worker_id} ignored during shutdown", file=sys.stderr)
            return
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        for std in (sys.stdout, sys.stderr):
            std.flush()  # or the child would print the zygote's buffered text again
        # Objects that exist now are shared with the worker copy-on-write; keeping
        # them out of the collector's reach stops its scans from dirtying those pages.
        gc.freeze()
        # Until the child has restored default handlers, a signal sent to it would
        # run the zygote's handler and write to the zygote's own wake-up pipe.
        signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)
        try:
            pid = os.fork()
            if pid == 0:
                os.close(out_r)
                os.close(err_r)
                self._become_worker(worker_id, out_w, err_w)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)
        os.close(out_w)
        os.close(err_w)
        child = Child(worker_id, pid)
        self.children[pid] = child
        for fd, stream in ((out_r, STDOUT), (err_r, STDERR)):
            os.set_blocking(fd, False)
            child.pipes[fd] = (stream, LineSplitter())
            self.pipes[fd] = child
            self.selector.register(fd, selectors.EVENT_READ, "pipe")
        self.outbox.append(encode_spawned(worker_id, pid))

    def _become_worker(self, worker_id: int, out_w: int, err_w: int) -> NoReturn:
        code = EXIT_FAILURE
        try:
            process.set_parent_death_signal(signal.SIGKILL)
            if os.getppid() != self.pid:
                os._exit(EXIT_FAILURE)  # the zygote died before the death signal was armed
            signal.set_wakeup_fd(-1)
            for signum in _HANDLED:
                signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, ())
            # The zygote's descriptors must not live on in a worker: the control
            # socket would keep the master's view of the zygote alive, and the
            # other workers' pipes would never reach EOF.
            self.selector.close()
            self.sock.close()
            os.close(self.wake_r)
            os.close(self.wake_w)
            for fd in self.pipes:
                os.close(fd)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.close(out_w)
            os.close(err_w)
            # stdout was a pipe to the master, hence block-buffered: app prints would
            # reach the log late or, at os._exit, never.
            if hasattr(sys.stdout, "reconfigure"):
                sys.stdout.reconfigure(line_buffering=True)
            process.set_process_name(process.worker_name(self.config.app.worker_name, worker_id))
            if worker_id >= MULE_ID_BASE:
                direct.forget()
                signals.run_mule(worker_id - MULE_ID_BASE)
            worker.run(self.config, worker_id, self.app)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else EXIT_FAILURE
        except BaseException:
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(code)

    def _abandon(self) -> int:
        """The master is gone: no one is left to tell, so kill, reap and leave."""
        for pid in self.children:
            _kill(pid, signal.SIGKILL)
        for pid in list(self.children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.children.clear()
        return EXIT_OK


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _note_signal(signum: int, frame: Any) -> None:
    """Nothing to do here: the wake-up fd already carries the signal number."""
