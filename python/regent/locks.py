"""``uwsgi.lock(n)``: user locks shared by every process of the app.

Lock n is a POSIX record lock (``lockf``) on byte n of one file in the private runtime
directory, so the kernel releases it when its holder dies (a harakiri'd or SIGKILLed
worker never leaves a lock held).  Record locks belong to a process, not a thread, so
each lock also has a ``threading.Lock`` that keeps a second thread of the same worker
out.  Lock numbers are 0..``locks`` (uWSGI's numbering: ``locks = N`` adds N locks to
the always-present lock 0).
"""

from __future__ import annotations

import fcntl
import os
import threading


class UserLocks:
    def __init__(self, path: str, highest: int) -> None:
        self.path = path
        self.count = highest + 1
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.local = [threading.Lock() for _ in range(self.count)]

    def after_fork(self) -> None:
        # Record locks are not inherited by a child; thread locks are, with their state.
        self.local = [threading.Lock() for _ in range(self.count)]

    def _check(self, n: int) -> int:
        if type(n) is not int:
            n = int(n)
        if n < 0 or n >= self.count:
            raise ValueError("Invalid lock number")
        return n

    def lock(self, n: int = 0) -> None:
        n = self._check(n)
        local = self.local[n]
        local.acquire()
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX, 1, n)
        except BaseException:
            local.release()
            raise

    def unlock(self, n: int = 0) -> None:
        n = self._check(n)
        fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, n)
        try:
            self.local[n].release()
        except RuntimeError:
            pass  # not held: uWSGI ignores it too

    def is_locked(self, n: int = 0) -> bool:
        n = self._check(n)
        local = self.local[n]
        if not local.acquire(blocking=False):
            return True  # a thread of this process holds it
        try:
            try:
                fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, n)
            except OSError:
                return True  # another process holds it
            fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, n)
            return False
        finally:
            local.release()
