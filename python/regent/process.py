"""Linux process knobs reached through libc (the only ctypes user)."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any, Optional

_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15

_libc: Optional[Any] = None


def load_libc() -> bool:
    """Resolve libc now (the zygote does it before forking, once for all workers)."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        except OSError:
            return False
    return True


def _prctl(option: int, arg: Any) -> bool:
    if not load_libc():
        return False
    try:
        return int(_libc.prctl(option, arg, 0, 0, 0)) == 0  # type: ignore[union-attr]
    except AttributeError:  # a libc without prctl
        return False


def set_parent_death_signal(signum: int) -> bool:
    """Have the kernel send ``signum`` when the parent dies (Linux only)."""
    return _prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signum))


def set_process_name(name: str) -> bool:
    """Set the name shown by ps -o comm / top (15 bytes at most)."""
    return _prctl(_PR_SET_NAME, ctypes.c_char_p(name.encode("utf-8", "replace")[:15]))
