"""Runs the server x scenario matrix and writes results.jsonl and report.md.

One row = start one server on one scenario's app, check its answers, warm up, drain,
measure, stop it and verify that none of its processes survived. Rows are
interleaved (every server for one scenario, then the next scenario; repeats go
round the whole matrix again, the servers in reverse order every other time), so slow
drift of this shared machine, and whatever running first or last in a scenario does,
spreads over all servers instead of favouring one.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import procs
import paired
import report
import scenarios
from servers import SERVERS, REFERENCE

BENCH = scenarios.BENCH
REPO = os.path.dirname(BENCH)
WRK = "/usr/bin/wrk"
# Baseline /slow work (iterations of mixed._spin): ~50 ms on /usr/bin/python3 here.
# Fixed rather than calibrated so that runs on different days stay comparable.
SLOW_ITERS = 1040864


class Ctx:
    """What a server start needs to know about its row."""


def wrk(url, conns, seconds, scen, timeout=10):
    env = dict(os.environ, BENCH_METHOD=scen.method, BENCH_BODY=scen.body_file or "")
    cmd = [WRK, "-t2", "-c%d" % conns, "-d%ds" % max(1, round(seconds)), "--timeout",
           "%ds" % timeout, "-s", os.path.join(BENCH, "lua", "summary.lua"), url]
    return cmd, env


def parse_wrk(out):
    for line in out.splitlines():
        if line.startswith("BENCH "):
            w = json.loads(line[6:])
            errs = {k: w[k] for k in ("connect", "read", "write", "status", "timeout")}
            return {"requests": w["requests"], "rps": w["requests"] / (w["us"] / 1e6),
                    "p50": w["p50"] / 1000, "p99": w["p99"] / 1000, "p999": w["p999"] / 1000,
                    "max": w["max"] / 1000, "errors": sum(errs.values()), "error_kinds": errs,
                    "mib_s": w["bytes"] / MIB / (w["us"] / 1e6)}
    raise RuntimeError("wrk gave no summary: %s" % out[-300:])


MIB = 1024 * 1024


def openloop(url, cfg, seconds):
    cmd = [sys.executable, os.path.join(BENCH, "openloop.py"), "--url", url, "--rate",
           str(cfg.rate), "--duration", str(seconds), "--mix", "/fast:90,/slow:10"]
    return cmd


def parse_openloop(out):
    o = json.loads(out.strip().splitlines()[-1])
    f = o["/fast"]
    return {"requests": o["completed"], "rps": o["rps"], "offered_rps": o["offered_rps"],
            "p50": f["p50"], "p99": f["p99"], "p999": f["p999"], "max": f["max"],
            "errors": sum(o["errors"].values()), "error_kinds": o["errors"],
            "slow": o["/slow"], "all": o["all"]}


def closed(url, path, conns, seconds, timeout):
    return [sys.executable, os.path.join(BENCH, "openloop.py"), "--url", url, "--connections",
            str(conns), "--duration", str(seconds), "--mix", path, "--timeout", str(timeout)]


def parse_closed(out):
    o = json.loads(out.strip().splitlines()[-1])
    a = o["all"]
    return {"requests": o["completed"], "rps": o["rps"], "p50": a["p50"], "p99": a["p99"],
            "p999": a["p999"], "max": a["max"], "errors": sum(o["errors"].values()),
            "error_kinds": o["errors"], "answered": o["answered"],
            "connections_never_answered": o["connections_never_answered"]}


def run_tool(cmd, env=None, timeout=120):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    return p.stdout


def wait_ready(port, path, tree, timeout):
    """Seconds from the first exec to the first 200 on `path` (polled every 20 ms)."""
    t0 = tree.groups[0].t0
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for g in tree.groups:
            if not g.alive():
                raise RuntimeError("%s exited with status %s before answering"
                                   % (g.name, g.popen.returncode))
        try:
            if scenarios.fetch(port, path, timeout=2)[0] == 200:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError("no 200 on %s within %ds" % (path, timeout))


def drain(port, path, limit=15.0):
    """Wait until the server answers 3 requests in a row promptly: requests queued by
    the warm-up must not be served during the measured window."""
    end, good = time.monotonic() + limit, 0
    while good < 3 and time.monotonic() < end:
        t0 = time.monotonic()
        try:
            ok = scenarios.fetch(port, path, timeout=5)[0] == 200
        except OSError:
            ok = False
        good = good + 1 if ok and time.monotonic() - t0 < 0.2 else 0


class MemSampler(threading.Thread):
    """Samples RSS/PSS of the tree every second while the load runs."""

    def __init__(self, tree):
        super().__init__(daemon=True)
        self.tree, self.stop_ev, self.last, self.peak_rss = tree, threading.Event(), None, 0

    def run(self):
        while not self.stop_ev.wait(1.0):
            m = self.tree.memory()
            self.last = m
            self.peak_rss = max(self.peak_rss, m["rss_kb"])


def cpu_split(before, after):
    """CPU seconds used during the window, by kind of process (exe name family)."""
    out = {}
    for key, (exe, ppid, cpu) in after.items():
        cpu -= before.get(key, (None, None, 0.0))[2]
        fam = next((f for f in ("java", "python", "uwsgi", "nginx", "gunicorn") if exe.startswith(f)),
                   "other")
        if ppid == os.getpid():
            fam += "-root"  # a group's first process: uWSGI/gunicorn master, Regent launcher
        out[fam] = round(out.get(fam, 0.0) + cpu, 3)
    return out


def run_row(server, scen, cfg, rep, logdir):
    threads = scen.threads or cfg.threads
    res = {"server": server.name, "scenario": scen.name, "rep": rep, "workers": cfg.workers,
           "threads": threads, "ok": False, "when": time.strftime("%H:%M:%S")}
    if threads > 1 and not server.threads:
        res["skipped"] = "no threads in this worker class (W x %d not comparable)" % threads
        return res
    if scen.static and not server.static:
        res["skipped"] = "no static file serving in this setup"
        return res
    if server.static_only and not scen.static:
        res["skipped"] = "static files only"
        return res
    run = Running(server, scen, cfg, rep, logdir)
    try:
        run.start(res)
        if cfg.warmup > 0:
            warm(run.ctx.port, scen, cfg)
        drain(run.ctx.port, scen.ready)
        sampler = MemSampler(run.tree)
        sampler.start()
        cpu0, mach0, ru0 = run.tree.cpu(), procs.machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
        res.update(measure(run.ctx.port, scen, cfg, run.tree))
        cpu1, mach1, ru1 = run.tree.cpu(), procs.machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
        sampler.stop_ev.set()
        sampler.join()
        mem = sampler.last or run.tree.memory()
        res.update(rss_kb=mem["rss_kb"], pss_kb=mem["pss_kb"], rss_peak_kb=sampler.peak_rss,
                   procs=mem["procs"])
        res["cpu_s"] = cpu_split(cpu0, cpu1)
        res["client_cpu_s"] = round(ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime, 3)
        # CPU the machine spent on neither the server nor the load generator: other
        # tenants of this shared machine, as a share of its capacity in the window.
        busy, total = mach1[0] - mach0[0], mach1[1] - mach0[1]
        other = busy - sum(res["cpu_s"].values()) - res["client_cpu_s"]
        res["machine_busy_s"] = round(busy, 3)
        res["other_cpu_pct"] = round(100.0 * max(0.0, other) / total, 1) if total else None
        run.check_after(res)
    except Exception as e:  # any failure ends the row; the server is stopped below
        res["error"] = "%s: %s" % (type(e).__name__, str(e)[:300])
    finally:
        run.stop(res)
    return res


class Running:
    """One server started on one scenario's app, from start to verified stop."""

    def __init__(self, server, scen, cfg, rep, logdir, tag=""):
        self.server, self.scen, self.cfg = server, scen, cfg
        self.tree = procs.Tree()
        ctx = self.ctx = Ctx()
        ctx.port, ctx.workers, ctx.threads = procs.free_port(), cfg.workers, scen.threads or cfg.threads
        ctx.app, ctx.app_dir, ctx.regent_bin = scen.app, scen.app_dir, cfg.regent
        ctx.tmp = tempfile.mkdtemp(prefix="regent-bench-")
        ctx.static_dir = scenarios.STATIC_DIR if scen.static else None
        ctx.start_timeout = cfg.start_timeout
        ctx.env = dict(os.environ, MIXED_SLOW_ITERS=str(cfg.slow_iters), PYTHONDONTWRITEBYTECODE="1")
        self.logname = os.path.join(logdir, "%s-%s%s-r%d.log" % (server.name, scen.name, tag, rep))
        ctx.log = open(self.logname, "w")
        self.socks = []

    def start(self, res):
        """Started, answering, checked; res gets the command, startup time and idle memory."""
        self.socks = self.server.start(self.tree, self.ctx)
        res["cmd"] = [g.cmd for g in self.tree.groups]
        res["startup_s"] = round(wait_ready(self.ctx.port, self.scen.ready, self.tree, self.cfg.start_timeout), 3)
        self.scen.check(self.ctx.port, self.cfg)
        res["idle_mem"] = strip_mem(self.tree.memory())

    def check_after(self, res):
        if not all(g.alive() for g in self.tree.groups):
            raise RuntimeError("a process group died during the load")
        # Still answering correctly after the load, once an overloaded server (mixed)
        # has worked off its queue.
        drain(self.ctx.port, self.scen.ready, limit=20.0)
        self.scen.check(self.ctx.port, self.cfg)
        res["ok"] = True

    def stop(self, res):
        """Stopped, nothing of it left; res gets the stop record (and a log tail on failure)."""
        res["stop"] = self.tree.stop(self.server.stop_signal, self.cfg.stop_timeout, self.ctx.port, self.socks)
        self.ctx.log.close()
        shutil.rmtree(self.ctx.tmp, ignore_errors=True)
        st = res["stop"]
        if st["leftover"] or st["port_open"] or st["unix_open"]:
            res["ok"] = False
            res["error"] = (res.get("error", "") + " | NOT STOPPED: %s" % st).strip(" |")
        if not res["ok"]:
            res["log_tail"] = tail(self.logname)


def strip_mem(m):
    return {"rss_kb": m["rss_kb"], "pss_kb": m["pss_kb"], "nprocs": len(m["procs"])}


def tail(path, n=8):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()[-n:]
    except OSError:
        return []


def warm(port, scen, cfg):
    url = "http://127.0.0.1:%d" % port
    if scen.load == "openloop":
        run_tool(openloop(url, cfg, cfg.warmup))
    elif scen.load == "closed":
        # Few connections: 200 parked requests would outlast the warm-up and spill
        # into the measurement.
        run_tool(closed(url, scen.path, 8, cfg.warmup, scen.timeout))
    else:
        cmd, env = wrk(url + scen.path, scen.conns, cfg.warmup, scen)
        run_tool(cmd, env)


def measure(port, scen, cfg, tree):
    url = "http://127.0.0.1:%d%s" % (port, scen.path)
    if scen.load == "openloop":
        return parse_openloop(run_tool(openloop(url[:-len(scen.path)], cfg, cfg.mixed_duration)))
    if scen.load == "closed":
        return parse_closed(run_tool(closed(url[:-len(scen.path)], scen.path, scen.conns,
                                            cfg.duration, scen.timeout)))
    if scen.load == "wrk":
        cmd, env = wrk(url, scen.conns, cfg.duration, scen, timeout=scen.timeout)
        r = parse_wrk(run_tool(cmd, env))
        r["tool"] = " ".join(cmd)
        return r
    # reload: closed-loop load while the app server's first process gets SIGHUP.
    # (bin/regent relays signals to the JVM; the uWSGI and gunicorn masters are exec'd.)
    target = tree.groups[0].pid
    cmd, env = wrk(url, scen.conns, cfg.reload_duration, scen, timeout=10)
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    gap = (cfg.reload_duration - 2.0) / cfg.reloads
    sent = []
    for i in range(cfg.reloads):
        time.sleep(gap if i else 1.0)
        os.kill(target, signal.SIGHUP)
        sent.append(round(time.monotonic(), 3))
    out, _ = p.communicate(timeout=cfg.reload_duration + 30)
    r = parse_wrk(out)
    r["reloads"] = len(sent)
    r["tool"] = " ".join(cmd)
    return r


def prepare_regent(cfg, out):
    """bin/regent rebuilds its jar whenever a source file is newer than it. Build once
    here, outside any timed row, and pin a copy (REGENT_JAR) so that every Regent row
    runs the same code and no row's startup time includes a build."""
    if not os.access(cfg.regent, os.X_OK):
        return "%s not found (not built yet)" % cfg.regent
    log = os.path.join(out, "logs", "regent-prepare.log")
    with open(log, "w") as f:
        try:
            subprocess.run([cfg.regent, "--help"], stdout=f, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=600, start_new_session=True)
        except subprocess.TimeoutExpired:
            return "bin/regent --help did not finish in 600 s"
    jar = os.path.join(REPO, "target", "regent.jar")
    if not os.path.exists(jar):
        return "bin/regent built no %s" % jar
    if "build failed" in open(log, errors="replace").read():
        # The tree is being edited while we run: fall back to the last jar that built.
        cfg.regent_note = ("bin/regent could not build the current tree (logs/regent-prepare.log); "
                           "ran the last built target/regent.jar of %s"
                           % time.strftime("%H:%M:%S", time.localtime(os.path.getmtime(jar))))
        print(cfg.regent_note, flush=True)
    pinned = os.path.join(out, "regent.jar")
    shutil.copy(jar, pinned)
    os.environ["REGENT_JAR"] = pinned
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bench/run", description="Regent vs uWSGI/gunicorn/nginx benchmark")
    ap.add_argument("--quick", action="store_true",
                    help="hello, flask, download; Regent vs uWSGI http11; 1 s warm-up, 3 s load")
    ap.add_argument("--servers", help="comma list (default: all): " + ",".join(SERVERS))
    ap.add_argument("--scenarios", help="comma list (default: all): " + ",".join(scenarios.DEFAULT))
    ap.add_argument("--processes", type=int, default=2, dest="workers")
    ap.add_argument("--threads", type=int, default=1, help="per process (the sleep row uses 8)")
    ap.add_argument("--duration", type=float, default=6.0, help="measured seconds per row")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--paired", type=int, default=0, metavar="N",
                    help="two servers side by side, N alternating slices each (bench/paired.py)")
    ap.add_argument("--slice", type=float, default=3.0, help="--paired: seconds per slice")
    ap.add_argument("--rate", type=float, default=200.0, help="mixed row: offered req/s")
    ap.add_argument("--mixed-duration", type=float, default=10.0)
    ap.add_argument("--reload-duration", type=float, default=12.0)
    ap.add_argument("--slow-iters", type=int, default=SLOW_ITERS)
    ap.add_argument("--regent", default=os.path.join(REPO, "bin", "regent"))
    ap.add_argument("--out", help="results dir (default /tmp/regent-bench/<time>)")
    ap.add_argument("--start-timeout", type=float, default=60.0)
    ap.add_argument("--stop-timeout", type=float, default=8.0,
                    help="SIGTERM (gunicorn: SIGINT) to SIGKILL; gunicorn gthread serves its queue first")
    cfg = ap.parse_args(argv)
    cfg.reloads = 5
    cfg.regent_note = None
    if cfg.quick:
        cfg.servers = cfg.servers or "regent,uwsgi-http11"
        cfg.scenarios = cfg.scenarios or ",".join(scenarios.QUICK)
        cfg.duration, cfg.warmup = 3.0, 1.0
    names = (cfg.servers or ",".join(SERVERS)).split(",")
    scens = (cfg.scenarios or ",".join(scenarios.DEFAULT)).split(",")
    for n in names:
        if n not in SERVERS:
            ap.error("unknown server %s" % n)
    if cfg.paired and len(names) != 2:
        ap.error("--paired needs exactly two --servers")
    for s in scens:
        if s not in scenarios.SCENARIOS:
            ap.error("unknown scenario %s" % s)

    procs.become_subreaper()
    # Stop cleanly on SIGTERM/SIGINT: the exception unwinds through the current row,
    # whose `finally` stops its server and verifies it is gone.
    def interrupted(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    out = cfg.out or time.strftime("/tmp/regent-bench/%Y%m%d-%H%M%S")
    logdir = os.path.join(out, "logs")
    os.makedirs(logdir, exist_ok=True)
    body_file = os.path.join(out, "upload.bin")
    with open(body_file, "wb") as f:
        f.write(scenarios.UPLOAD_BODY)
    for s in scenarios.SCENARIOS.values():
        s.body_file = body_file if s.body else None
    scenarios.write_static(os.path.join(out, "static"))

    t_start = time.monotonic()
    meta = report.machine(cfg)
    meta["command"] = "bench/run " + " ".join(sys.argv[1:] if argv is None else argv)
    regent_problem = None
    if any(getattr(SERVERS[n].app_cmd, "__name__", "") == "regent" for n in names):
        regent_problem = prepare_regent(cfg, out)
    results = []
    path = os.path.join(out, "results.jsonl")
    print("results in %s" % out, flush=True)
    if cfg.paired:
        return run_paired_rows(names, scens, cfg, out, logdir, meta, t_start, regent_problem)
    for rep in range(1, cfg.repeat + 1):
        order = names if rep % 2 else names[::-1]
        for s in scens:
            for n in order:
                server, scen = SERVERS[n], scenarios.SCENARIOS[s]
                if regent_problem and getattr(server.app_cmd, "__name__", "") == "regent":
                    r = {"server": n, "scenario": s, "rep": rep, "ok": False,
                         "workers": cfg.workers, "threads": scen.threads or cfg.threads,
                         "error": regent_problem}
                else:
                    r = run_row(server, scen, cfg, rep, logdir)
                results.append(r)
                with open(path, "a") as f:
                    f.write(json.dumps(r) + "\n")
                print(report.one_line(r), flush=True)
    meta["elapsed_s"] = round(time.monotonic() - t_start, 1)
    meta["regent jar"] = cfg.regent_note or "built from the tree at the start of the run"
    md = report.render(results, meta, REFERENCE)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(md)
    print()
    print(md)
    return 0 if all(r.get("ok") or r.get("skipped") for r in results) else 1


def run_paired_rows(names, scens, cfg, out, logdir, meta, t_start, regent_problem):
    """--paired: each scenario's two servers side by side, in alternating slices."""
    first, second = SERVERS[names[0]], SERVERS[names[1]]
    rows = []
    for s in scens:
        scen = scenarios.SCENARIOS[s]
        if scen.load != "wrk" or scen.static:
            print("%-9s paired: skipped (only the wrk rows without static files pair up)" % s, flush=True)
            continue
        if regent_problem:
            r = {"paired": True, "servers": names[:2], "scenario": s, "ok": False, "error": regent_problem}
        else:
            r = paired.run_pair(first, second, scen, cfg, logdir, sys.modules[__name__])
        rows.append(r)
        with open(os.path.join(out, "results.jsonl"), "a") as f:
            f.write(json.dumps(r) + "\n")
        if r.get("ok"):
            print("%-9s paired %s/%s x%.3f (%.2f-%.2f), req/s %.0f / %.0f"
                  % (s, names[0], names[1], r["ratio"], r["ratio_min"], r["ratio_max"],
                     r["rps"][names[0]], r["rps"][names[1]]), flush=True)
        else:
            print("%-9s paired FAILED: %s" % (s, r.get("error")), flush=True)
    meta["elapsed_s"] = round(time.monotonic() - t_start, 1)
    meta["regent jar"] = cfg.regent_note or "built from the tree at the start of the run"
    meta["settings"] = ("processes %d, threads %d, %gs warm-up each, then %d pairs of %gs slices"
                        % (cfg.workers, cfg.threads, cfg.warmup, cfg.paired, cfg.slice))
    md = "\n".join(report.header(meta, "Paired: both servers up at once, measured in turns. ")
                    + paired.render(rows))
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(md)
    print()
    print(md)
    return 0 if rows and all(r.get("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
