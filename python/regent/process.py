"""Linux process knobs reached through libc (the only ctypes user)."""

from __future__ import annotations

import ctypes
import ctypes.util
import grp
import os
import pwd
from typing import Any, Optional

_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15
_PR_SET_NO_NEW_PRIVS = 38

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


def worker_name(template: Optional[str], worker_id: int) -> str:
    """The name of worker ``worker_id``: the configured template, else ``regent w<id>``."""
    if template is None:
        return f"regent w{worker_id}"
    return template.replace("{id}", str(worker_id))


def _user(spec: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(spec)
    except KeyError:
        pass
    if spec.isdigit():
        try:
            return pwd.getpwuid(int(spec))
        except KeyError:
            # A bare number with no passwd entry is still a valid uid (containers).
            return pwd.struct_passwd((spec, "x", int(spec), int(spec), "", "/", ""))
    raise ValueError(f"uid: {spec} (expected: a user name or number known to this system)")


def _group(spec: str) -> int:
    try:
        return grp.getgrnam(spec).gr_gid
    except KeyError:
        pass
    if spec.isdigit():
        return int(spec)
    raise ValueError(f"gid: {spec} (expected: a group name or number known to this system)")


def apply_identity(uid: Optional[str], gid: Optional[str], umask: Optional[int],
                   chroot: Optional[str] = None) -> None:
    """Set the umask, chroot if asked, then drop to ``gid``/``uid`` for good (group first: after
    setuid it is no longer allowed).

    With ``uid`` but no ``gid`` the user's primary group is used, and the supplementary groups
    become the user's; the master's (root's) groups never survive.  setuid() as root sets the
    real, effective and saved ids, so the process can never regain root; no_new_privs keeps
    set-uid executables from giving it back either.

    Names are resolved before the chroot: the new root need not hold /etc/passwd or /etc/group
    (uWSGI resolves them at start-up too).  The chroot itself comes before the drop, since only
    root may chroot, and a process that stayed root could leave the jail again.
    """
    if umask is not None:
        os.umask(umask)
    user = _user(uid) if uid is not None else None
    group = _group(gid) if gid is not None else (user.pw_gid if user is not None else None)
    groups: Optional[list[int]] = None
    if group is not None and os.getuid() == 0:
        if user is not None and user.pw_name != str(user.pw_uid):
            groups = os.getgrouplist(user.pw_name, group)  # what initgroups() would set
        else:
            groups = [group]
    if chroot is not None:
        if os.getuid() != 0:
            raise OSError(f"chroot: {chroot}: only root can chroot (running as uid {os.getuid()})")
        os.chroot(chroot)
        os.chdir("/")  # a cwd outside the new root would be a way out of it
    if uid is None and gid is None:
        return
    if os.getuid() != 0:
        # Not root: only "becoming" who we already are is possible (a config shared with root runs).
        if (user is None or user.pw_uid == os.getuid()) and (group is None or group == os.getgid()):
            return
        raise OSError(f"uid/gid: {uid}/{gid}: only root can switch identity (running as uid {os.getuid()})")
    if group is not None:
        assert groups is not None
        os.setgroups(groups)
        os.setgid(group)
    if user is not None and user.pw_uid != 0:
        os.setuid(user.pw_uid)
        try:
            os.setuid(0)
        except PermissionError:
            pass
        else:
            raise OSError(f"uid: {uid}: the process could regain root after setuid (refusing to run)")
    _prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1))
