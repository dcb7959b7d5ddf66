"""Markdown report of a run: the main table, startup times, CPU per request, failures."""

import os
import re
import statistics
import subprocess

import scenarios

REPO = os.path.dirname(scenarios.BENCH)


def sh(cmd):
    try:
        p = subprocess.run(cmd, shell=True, executable="/bin/bash", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=30)
        return p.stdout.strip().splitlines()[0] if p.stdout.strip() else "?"
    except Exception as e:
        return "? (%s)" % e


def machine(cfg):
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    # The java bin/regent would pick (bin/jdk.sh's search order).
    java = sh('cd %s && . bin/jdk.sh && regent_find_java && echo "$("$REGENT_JAVA" -version 2>&1'
              ' | head -n1) ($REGENT_JAVA)"' % REPO)
    return {
        "nproc": os.cpu_count(), "cpu": model, "kernel": os.uname().release,
        "mem": sh("free -m | awk '/Mem:/{print $2\" MiB\"}'"),
        "python": sh("/usr/bin/python3 --version"),
        "java": java,
        "uwsgi": sh("/usr/bin/uwsgi --version"), "gunicorn": sh("/usr/bin/gunicorn --version"),
        "nginx": sh("/usr/sbin/nginx -v"), "wrk": sh("/usr/bin/wrk -v"),
        "flask/django": sh("/usr/bin/python3 -c 'import flask, django; print(flask.__version__, django.get_version())'"),
        "regent commit": sh("git -C %s log -1 --format='%%h %%s'" % REPO) + " (+%s uncommitted files "
                         "in the tree the jar was built from)" % sh("git -C %s status --porcelain -- src python pom.xml "
                                                                      "| wc -l" % REPO),
        "settings": "processes %d, threads %d (sleep row: 8), %gs warm-up + %gs measured per row, "
                    "mixed %g req/s for %gs, /slow %d iterations, reload %gs with 5 SIGHUP"
                    % (cfg.workers, cfg.threads, cfg.warmup, cfg.duration, cfg.rate,
                       cfg.mixed_duration, cfg.slow_iters, cfg.reload_duration),
    }


def ms(v):
    if v is None:
        return "-"
    return "%.2f" % v if v < 10 else "%.1f" % v if v < 100 else "%.0f" % v


def mib(kb):
    return "%.1f" % (kb / 1024.0) if kb else "-"


def med(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def cpu_total(r):
    return sum((r.get("cpu_s") or {}).values())


def us_per_req(r, fams=None):
    if not r.get("requests"):
        return None
    cpu = r.get("cpu_s") or {}
    tot = sum(v for k, v in cpu.items() if fams is None or k.split("-")[0] in fams)
    return tot / r["requests"] * 1e6


def summarize(rows):
    """Median over the repeats of one (scenario, server); None if none succeeded."""
    ok = [r for r in rows if r.get("ok")]
    if not ok:
        return None
    s = {k: med(ok, k) for k in ("rps", "p50", "p99", "p999", "errors", "rss_kb", "pss_kb",
                                  "startup_s", "offered_rps", "mib_s", "other_cpu_pct")}
    s["other_pct"] = s.pop("other_cpu_pct")
    s["cpu_us"] = statistics.median([us_per_req(r) for r in ok if us_per_req(r) is not None] or [0])
    s["runs"] = len(ok)
    s["rps_runs"] = [r["rps"] for r in ok]
    return s


def ratio(a, b):
    return "x%.2f" % (a / b) if a is not None and b else "-"


def header(meta, how=""):
    """Title, command and machine lines of a report."""
    out = ["# Regent benchmark", ""]
    out.append("Command: `%s` (took %.0f s). %sLoad generator and servers share the same %s "
               "cores, 127.0.0.1 only." % (meta["command"], meta.get("elapsed_s", 0), how, meta["nproc"]))
    out.append("")
    for k in ("cpu", "kernel", "mem", "python", "java", "uwsgi", "gunicorn", "nginx", "wrk",
              "flask/django", "regent commit", "regent jar", "settings"):
        out.append("* %s: %s" % (k, meta.get(k)))
    out.append("")
    return out


def render(results, meta, reference):
    scen_order = list(dict.fromkeys(r["scenario"] for r in results))
    server_order = list(dict.fromkeys(r["server"] for r in results))
    groups = {}
    for r in results:
        groups.setdefault((r["scenario"], r["server"]), []).append(r)
    summ = {k: summarize(v) for k, v in groups.items()}

    out = header(meta, "Rows run interleaved: every server for one scenario, then the next "
                       "scenario; each repeat reverses the servers' order. ")
    out.append("Latencies in ms (mixed: of the `/fast` requests, from their scheduled time; "
               "req/s there is achieved of %s offered). RSS/PSS: sum over the server's whole "
               "process tree, sampled at the end of the load. CPU µs/req: the tree's "
               "utime+stime during the measured load / requests. Other load: share of the "
               "machine's CPU used by processes that were neither the server nor the load "
               "generator during the row (other tenants; high values make the row noisy). Ratio: Regent ÷ uWSGI "
               "(`regent` vs `uwsgi-http11`, `nginx-regent` vs `nginx-uwsgi`)."
               % ms(next((s["offered_rps"] for s in summ.values() if s and s.get("offered_rps")), None)))
    out.append("")
    out.append("| scenario | server | W×T | req/s | p50 | p99 | p99.9 | errors | RSS MiB | PSS MiB "
               "| CPU µs/req | other load | Regent/uWSGI: req/s · p99 · PSS |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    failures = []
    for sc in scen_order:
        for sv in server_order:
            rows = groups.get((sc, sv))
            if not rows:
                continue
            wt = "%d×%d" % (rows[0]["workers"], 1 if sv == "gunicorn-sync" else rows[0]["threads"])
            if rows[0].get("skipped"):
                out.append("| %s | %s | %s | skipped | | | | | | | | | %s |" % (sc, sv, wt, rows[0]["skipped"]))
                continue
            for r in rows:
                if not r.get("ok"):
                    failures.append(r)
            s = summ[(sc, sv)]
            if s is None:
                out.append("| %s | %s | %s | **FAILED** | | | | | | | | | see below |" % (sc, sv, wt))
                continue
            rps = "{:,.0f}".format(s["rps"])
            if len(s["rps_runs"]) > 1:
                rps += " (" + " / ".join("{:,.0f}".format(x) for x in s["rps_runs"]) + ")"
            cmp_ = ""
            ref = summ.get((sc, reference.get(sv)))
            if sv in reference:
                if ref:
                    cmp_ = "%s · %s · %s" % (ratio(s["rps"], ref["rps"]), ratio(s["p99"], ref["p99"]),
                                             ratio(s["pss_kb"], ref["pss_kb"]))
                    if sc == "reload":
                        cmp_ += " · errors %d vs %d" % (s["errors"], ref["errors"])
                else:
                    cmp_ = "no %s result" % reference[sv]
                # Static rows: nginx serving the directory itself is the ceiling.
                ngx = summ.get((sc, "nginx-static"))
                if sc.startswith("static") and sv == "regent" and ngx:
                    cmp_ += " · ÷nginx-static: %s · %s" % (ratio(s["rps"], ngx["rps"]), ratio(s["p99"], ngx["p99"]))
            out.append("| %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %.0f | %s | %s |" % (
                sc, sv, wt, rps, ms(s["p50"]), ms(s["p99"]), ms(s["p999"]), s["errors"],
                mib(s["rss_kb"]), mib(s["pss_kb"]), s["cpu_us"],
                "%.0f%%" % s["other_pct"] if s["other_pct"] is not None else "-", cmp_))
    out.append("")

    starts = [(sv, summ.get(("flask", sv))) for sv in server_order if ("flask", sv) in groups]
    if starts:
        out.append("Time from start to the first Flask `/json` 200 (exec of the first process, "
                   "20 ms polling), from the flask row:")
        out.append("")
        out.append("| server | seconds |")
        out.append("|---|---|")
        for sv, s in starts:
            out.append("| %s | %s |" % (sv, "%.2f" % s["startup_s"] if s else "failed"))
        out.append("")

    hello = [r for r in results if r["scenario"] == "hello" and r.get("ok")]
    if hello:
        out.append("CPU per request in the hello row, by process kind (µs = CPU seconds of "
                   "those processes during the measured load ÷ requests; from "
                   "/proc/<pid>/stat utime+stime). Regent: master = the JVM, workers = the "
                   "Python processes; uWSGI/gunicorn: master = the first process, workers = "
                   "its children; nginx rows add nginx. client = wrk.")
        out.append("")
        out.append("| server | rep | master µs | workers µs | nginx µs | total µs | client µs |")
        out.append("|---|---|---|---|---|---|---|")
        for r in hello:
            cpu = r.get("cpu_s") or {}
            n = r["requests"]
            master = sum(v for k, v in cpu.items()
                         if k.startswith("java") or (k.endswith("-root") and not k.startswith(("nginx", "other"))))
            nginx = sum(v for k, v in cpu.items() if k.startswith("nginx"))
            other = sum(v for k, v in cpu.items() if k.startswith("other"))
            workers = cpu_total(r) - master - nginx - other
            out.append("| %s | %d | %.1f | %.1f | %s | %.1f | %.1f |" % (
                r["server"], r["rep"], master / n * 1e6, workers / n * 1e6,
                "%.1f" % (nginx / n * 1e6) if nginx else "-", cpu_total(r) / n * 1e6,
                r.get("client_cpu_s", 0) / n * 1e6))
        out.append("")

    unclean = [r for r in results if r.get("stop") and (r["stop"]["leftover"] or r["stop"]["sigkilled"])]
    out.append("Process trees: %d rows stopped, %d needed SIGKILL, %d left something running."
               % (sum(1 for r in results if r.get("stop")),
                  sum(1 for r in results if r.get("stop") and r["stop"]["sigkilled"]),
                  sum(1 for r in results if r.get("stop") and (r["stop"]["leftover"] or r["stop"]["port_open"]))))
    for r in unclean:
        out.append("* %s/%s: %s" % (r["server"], r["scenario"], r["stop"]))
    out.append("")
    if failures:
        out.append("Failed rows:")
        out.append("")
        for r in failures:
            out.append("* **%s / %s (rep %d)**: %s" % (r["server"], r["scenario"], r["rep"], r.get("error")))
            for line in r.get("log_tail") or []:
                out.append("  `%s`" % re.sub(r"`", "'", line)[:200])
        out.append("")
    return "\n".join(out)


def one_line(r):
    if r.get("skipped"):
        return "%-9s %-17s skipped: %s" % (r["scenario"], r["server"], r["skipped"])
    if not r.get("ok"):
        return "%-9s %-17s FAILED: %s" % (r["scenario"], r["server"], r.get("error"))
    return "%-9s %-17s %9.0f req/s  p50 %s  p99 %s  err %d  RSS %s  PSS %s MiB  start %.2fs  stop %.2fs" % (
        r["scenario"], r["server"], r["rps"], ms(r["p50"]), ms(r["p99"]), r["errors"],
        mib(r["rss_kb"]), mib(r["pss_kb"]), r["startup_s"], r["stop"]["stop_s"])
