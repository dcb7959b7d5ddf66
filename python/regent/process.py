"""Linux process knobs reached through libc (the only ctypes user)."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any, Optional

_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15

_libc: Optional[Any] = None


def _prctl(option: int, arg: Any) -> bool:
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(_libc.prctl(option, arg, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def load_libc() -> None:
    """Resolve libc before forking, so that a child need not search for it."""
    _prctl(_PR_SET_NAME, ctypes.c_char_p(_current_name()))


def _current_name() -> bytes:
    try:
        with open("/proc/self/comm", "rb") as f:
            return f.read().strip()[:15]
    except OSError:
        return b"python3"


def set_parent_death_signal(signum: int) -> bool:
    """Have the kernel send ``signum`` when the parent dies (Linux only)."""
    return _prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signum))


def set_process_name(name: str) -> bool:
    """Set the name shown by ps -o comm / top (15 bytes at most)."""
    return _prctl(_PR_SET_NAME, ctypes.c_char_p(name.encode("utf-8", "replace")[:15]))
