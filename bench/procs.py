"""Process groups of a server under test: start, observe (RSS, PSS, CPU), stop, verify.

Every server is started in its own session, so one killpg reaches all of it. The
driver also makes itself a child subreaper: a process that double-forks out of its
session is re-parented to the driver instead of init, so it stays visible here and
cannot outlive the row unnoticed.
"""

import ctypes
import os
import signal
import socket
import subprocess
import time

PR_SET_CHILD_SUBREAPER = 36
CLK_TCK = os.sysconf("SC_CLK_TCK")


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def read_stat(pid):
    """(comm, state, ppid, session, cpu_ticks, starttime) or None if the process is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    # comm may contain spaces and parentheses: split around the last ')'.
    lp, rp = s.index("("), s.rindex(")")
    rest = s[rp + 2:].split()
    return {"comm": s[lp + 1:rp], "state": rest[0], "ppid": int(rest[1]),
            "sid": int(rest[3]), "cpu": int(rest[11]) + int(rest[12]),
            "start": int(rest[19])}


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def exe_name(pid):
    try:
        return os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        return "?"


def _status_kb(pid, path, key):
    try:
        with open("/proc/%d/%s" % (pid, path)) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Group:
    """One command started in a new session (its pid is also its pgid and sid)."""

    def __init__(self, name, cmd, env, cwd, log):
        self.name, self.cmd = name, cmd
        self.t0 = time.monotonic()
        self.popen = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                      stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None


class Tree:
    """All processes of one server row (one or more groups, e.g. nginx + app server).

    A process belongs to the row if it is in one of the row's sessions, descends from
    one, or was re-parented to the driver (an escaped daemon). Seen processes are
    remembered by (pid, starttime) so that a reused pid is never mistaken for ours.
    """

    def __init__(self):
        self.groups = []
        self.seen = {}          # (pid, start) -> comm

    def start(self, name, cmd, env, cwd, log):
        g = Group(name, cmd, env, cwd, log)
        self.groups.append(g)
        return g

    def procs(self):
        """{pid: stat} of live (non-zombie) processes of this row."""
        sids = {g.pid for g in self.groups}
        me, my_sid = os.getpid(), os.getsid(0)
        stats = {}
        for pid in all_pids():
            st = read_stat(pid)
            if st:
                stats[pid] = st
        mine = {p for p, st in stats.items()
                if st["sid"] in sids
                # re-parented to the driver and in a session of its own: a daemon
                # that escaped (the load tools share the driver's session)
                or (st["ppid"] == me and st["sid"] != my_sid)
                or (p, st["start"]) in self.seen}
        grew = True
        while grew:  # descendants of members, whatever their session
            new = {p for p, st in stats.items() if st["ppid"] in mine and p not in mine}
            mine |= new
            grew = bool(new)
        out = {p: stats[p] for p in mine if stats[p]["state"] not in ("Z", "X")}
        for p, st in out.items():
            self.seen[(p, st["start"])] = st["comm"]
        return out

    def memory(self):
        """Sum of RSS and PSS (KiB) over the tree, with a per-process breakdown."""
        rows = []
        for pid, st in sorted(self.procs().items()):
            rows.append({"pid": pid, "comm": st["comm"],
                         "rss_kb": _status_kb(pid, "status", "VmRSS:"),
                         "pss_kb": _status_kb(pid, "smaps_rollup", "Pss:")})
        return {"rss_kb": sum(r["rss_kb"] for r in rows),
                "pss_kb": sum(r["pss_kb"] for r in rows), "procs": rows}

    def cpu(self):
        """{(pid, start): (exe, ppid, cpu seconds)} for every live process of the tree."""
        return {(p, st["start"]): (exe_name(p), st["ppid"], st["cpu"] / CLK_TCK)
                for p, st in self.procs().items()}

    def reap(self):
        """Collect zombies re-parented to the driver (it is their subreaper)."""
        for g in self.groups:
            g.popen.poll()
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def signal_all(self, sig, procs=None):
        for g in self.groups:
            try:
                os.killpg(g.pid, sig)
            except ProcessLookupError:
                pass
        for pid in procs or ():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, sig=signal.SIGTERM, timeout=15.0, port=None, unix_paths=()):
        """Stop every group, escalate to SIGKILL after `timeout`, verify nothing is left.

        Groups are signalled in reverse start order (the front end first, so it stops
        taking requests before its backend goes away).
        """
        t0 = time.monotonic()
        for g in reversed(self.groups):
            try:
                os.killpg(g.pid, sig)
            except ProcessLookupError:
                pass
        graceful = self._wait_empty(timeout)
        killed = []
        if not graceful:
            left = self.procs()
            killed = ["%d:%s" % (p, st["comm"]) for p, st in left.items()]
            self.signal_all(signal.SIGKILL, left)
            self._wait_empty(5.0)
        self.reap()
        leftover = ["%d:%s" % (p, st["comm"]) for p, st in self.procs().items()]
        return {"graceful": graceful, "stop_s": round(time.monotonic() - t0, 2),
                "sigkilled": killed, "leftover": leftover,
                "port_open": port is not None and port_open(port),
                "unix_open": [p for p in unix_paths if unix_open(p)]}

    def _wait_empty(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.reap()
            if not self.procs():
                return True
            time.sleep(0.05)
        return False


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def unix_open(path):
    if not os.path.exists(path):
        return False
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(0.5)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_cpu():
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / CLK_TCK, sum(v[:8]) / CLK_TCK
