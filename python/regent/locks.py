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
from typing import Callable


class UserLocks:
    def __init__(self, path: str, highest: int) -> None:
        self.path = path
        self.count = highest + 1
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.local = [threading.Lock() for _ in range(self.count)]
        self.lock: Callable[..., None] = self._make_lock()
        self.unlock: Callable[..., None] = self._make_unlock()

    def after_fork(self) -> None:
        # Record locks are not inherited by a child; thread locks are, with their state.  They
        # are reset in place because lock()/unlock() hold their bound methods.
        for local in self.local:
            local._at_fork_reinit()  # type: ignore[attr-defined]  # CPython 3.9+

    def _check(self, n: int) -> int:
        if type(n) is not int:
            n = int(n)
        if n < 0 or n >= self.count:
            raise ValueError("Invalid lock number")
        return n

    # lock() and unlock() are closures over the file descriptor and the thread locks' bound
    # methods: uwsgi.lock() is called per request, and every attribute lookup counts next to
    # the two fcntl calls that are the floor (see docs/uwsgi-api.md, "Speed").

    def _make_lock(self) -> Callable[..., None]:
        fd, count, check = self.fd, self.count, self._check
        acquire = [local.acquire for local in self.local]
        release = [local.release for local in self.local]
        lockf, ex = fcntl.lockf, fcntl.LOCK_EX

        def lock(n: int = 0) -> None:
            if type(n) is not int or n < 0 or n >= count:
                n = check(n)
            acquire[n]()
            try:
                lockf(fd, ex, 1, n)
            except BaseException:
                release[n]()
                raise

        return lock

    def _make_unlock(self) -> Callable[..., None]:
        fd, count, check = self.fd, self.count, self._check
        release = [local.release for local in self.local]
        lockf, un = fcntl.lockf, fcntl.LOCK_UN

        def unlock(n: int = 0) -> None:
            if type(n) is not int or n < 0 or n >= count:
                n = check(n)
            lockf(fd, un, 1, n)
            try:
                release[n]()
            except RuntimeError:
                pass  # not held: uWSGI ignores it too

        return unlock

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
