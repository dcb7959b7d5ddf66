"""A scripted fake master for the tests: real Unix sockets, real frames."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
APPS_DIR = os.path.join(HERE, "apps")
sys.path.insert(0, PYTHON_DIR)

from regent import protocol as protocol  # noqa: E402
from regent.protocol import Frame, FrameReader  # noqa: E402

PYTHON = "/usr/bin/python3"
TOKEN = "9f1c0e6a5b7d4e2f8a3c1b0d9e8f7a6b"
BOOT = "import sys; sys.path.insert(0, sys.argv.pop(1)); from regent.__main__ import main; main()"


class FrameConn:
    """One accepted connection, read frame by frame with a timeout."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = FrameReader()
        self.pending: list[Frame] = []

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, timeout: float = 5.0) -> Frame:
        deadline = time.monotonic() + timeout
        while not self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no frame")
            self.sock.settimeout(remaining)
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("peer closed")
            self.pending.extend(self.reader.feed(data))
        return self.pending.pop(0)

    def expect(self, frame_type: int, timeout: float = 5.0, skip_logs: bool = True) -> Frame:
        while True:
            frame = self.recv(timeout)
            if skip_logs and frame.type == protocol.LOG and frame_type != protocol.LOG:
                continue
            if frame.type != frame_type:
                raise AssertionError(
                    f"frame {protocol.FRAME_NAMES.get(frame.type)} {frame.payload[:200]!r}"
                    f" (expected: {protocol.FRAME_NAMES[frame_type]})"
                )
            return frame

    def read_eof(self, timeout: float = 5.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.pending.extend(self.reader.feed(data))
        except OSError:
            return False

    def close(self) -> None:
        self.sock.close()


class FakeMaster:
    """Listens on a temp Unix socket and starts a zygote the way the master does."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="regent-test-")
        self.path = os.path.join(self.tmp.name, "master.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(16)
        self.proc: Optional[subprocess.Popen[bytes]] = None

    def config(self, **app: Any) -> dict[str, Any]:
        app_config: dict[str, Any] = {
            "module": None,
            "wsgi_file": None,
            "callable": "application",
            "chdir": APPS_DIR,
            "pythonpath": [APPS_DIR],
            "home": None,
            "lazy_apps": False,
        }
        app_config.update(app)
        return {
            "socket": self.path,
            "token": TOKEN,
            "generation": 3,
            "processes": 2,
            "threads": 1,
            "app": app_config,
        }

    def start(self, config: dict[str, Any]) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["REGENT_CONFIG"] = json.dumps(config)
        self.proc = subprocess.Popen(
            [PYTHON, "-c", BOOT, PYTHON_DIR],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        return self.proc

    def accept(self, timeout: float = 10.0) -> tuple[FrameConn, protocol.Hello]:
        self.listener.settimeout(timeout)
        sock, _ = self.listener.accept()
        conn = FrameConn(sock)
        hello = protocol.decode_hello(conn.expect(protocol.HELLO).payload)
        return conn, hello

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            assert self.proc.stdout is not None and self.proc.stderr is not None
            self.proc.stdout.close()
            self.proc.stderr.close()
        self.listener.close()
        self.tmp.cleanup()


def request_environ(method: str = "GET", path: str = "/", query: str = "", **extra: str) -> dict[str, str]:
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REQUEST_URI": path + ("?" + query if query else ""),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8080",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "localhost:8080",
        "wsgi.url_scheme": "http",
    }
    environ.update(extra)
    return environ


def pid_alive(pid: int) -> bool:
    """True while the pid exists in any state other than gone (zombies count)."""
    return os.path.exists(f"/proc/{pid}")


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.01)
    return False
