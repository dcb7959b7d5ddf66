"""Paired rows: two servers up at once on one scenario's app, measured in alternating slices.

A row of the matrix measures one server for 6 s, and the next server a minute later; on this
shared 2-core machine the same row moves 5-15% between two such minutes, which is more than
some of the differences the matrix is there to show. Here both servers run side by side (the
one not measured sits idle), are checked and warmed alike, and take turns: A B, B A, A B, ...
for ``--paired`` pairs of ``--slice`` seconds. Drift then falls on both alike, and the ratio
reported is the median of the per-pair ratios, with their spread.
"""

import statistics
import time


def run_pair(first, second, scen, cfg, logdir, driver):
    """One result dict for the pair on ``scen``; ok only if both servers ran and stopped clean.
    ``driver`` is the driver module, passed in: it runs as ``__main__``, and importing it here
    would load a second copy."""
    res = {"paired": True, "servers": [first.name, second.name], "scenario": scen.name,
           "workers": cfg.workers, "threads": scen.threads or cfg.threads, "ok": False,
           "when": time.strftime("%H:%M:%S"), "slice_s": cfg.slice, "slices": []}
    runs, states = [], []
    try:
        for server in (first, second):
            state = {"server": server.name, "ok": False}
            run = driver.Running(server, scen, cfg, 1, logdir, tag="-paired")
            runs.append(run)
            states.append(state)
            run.start(state)
        for run in runs:
            driver.warm(run.ctx.port, scen, cfg)
            driver.drain(run.ctx.port, scen.ready)
        for i in range(cfg.paired):
            order = runs if i % 2 == 0 else runs[::-1]
            for run in order:
                cpu0 = run.tree.cpu()
                cmd, env = driver.wrk("http://127.0.0.1:%d%s" % (run.ctx.port, scen.path), scen.conns,
                                      cfg.slice, scen, timeout=scen.timeout)
                r = driver.parse_wrk(driver.run_tool(cmd, env))
                cpu = sum(driver.cpu_split(cpu0, run.tree.cpu()).values())
                res["slices"].append({"pair": i, "server": run.server.name, "rps": r["rps"], "p99": r["p99"],
                                      "errors": r["errors"], "requests": r["requests"], "cpu_s": round(cpu, 3)})
        for run, state in zip(runs, states):
            run.check_after(state)
        res["ok"] = True
    except Exception as e:  # the servers are stopped below
        res["error"] = "%s: %s" % (type(e).__name__, str(e)[:300])
    finally:
        for run, state in zip(runs, states):
            run.stop(state)
        res["stops"] = states
        if not all(state["ok"] for state in states) or len(states) < 2:
            res["ok"] = False
    if res["ok"]:
        res.update(summarize(res["slices"], first.name, second.name))
    return res


def summarize(slices, a, b):
    """Medians of each server's slices and of the per-pair ratios a/b."""
    by = {}
    for s in slices:
        by.setdefault(s["pair"], {})[s["server"]] = s
    pairs = [p for p in by.values() if a in p and b in p]
    ratios = [p[a]["rps"] / p[b]["rps"] for p in pairs if p[b]["rps"]]
    p99_ratios = [p[a]["p99"] / p[b]["p99"] for p in pairs if p[b]["p99"]]

    def med(name, key):
        return statistics.median(p[name][key] for p in pairs)

    def cpu_us(name):
        reqs = sum(p[name]["requests"] for p in pairs)
        return sum(p[name]["cpu_s"] for p in pairs) / reqs * 1e6 if reqs else None

    return {
        "rps": {a: med(a, "rps"), b: med(b, "rps")},
        "p99": {a: med(a, "p99"), b: med(b, "p99")},
        "cpu_us": {a: cpu_us(a), b: cpu_us(b)},
        "errors": {a: sum(p[a]["errors"] for p in pairs), b: sum(p[b]["errors"] for p in pairs)},
        "ratio": statistics.median(ratios) if ratios else None,
        "ratio_min": min(ratios) if ratios else None,
        "ratio_max": max(ratios) if ratios else None,
        "p99_ratio": statistics.median(p99_ratios) if p99_ratios else None,
    }


def render(rows):
    """The markdown table of the paired rows."""
    out = ["## Paired rows", "",
           "Both servers up at once; alternating slices A B, B A, ... (bench/paired.py). "
           "req/s and p99: medians of each server's slices. Ratio: median of the per-pair "
           "ratios (first ÷ second), with their range.", "",
           "| scenario | first | second | pairs × s | req/s | p99 ms | CPU µs/req | errors "
           "| req/s ratio (range) | p99 ratio |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        a, b = r["servers"]
        if not r.get("ok"):
            out.append("| %s | %s | %s | - | failed: %s | | | | | |"
                       % (r["scenario"], a, b, r.get("error", "a server did not stop clean")))
            continue
        pairs = len({s["pair"] for s in r["slices"]})
        out.append("| %s | %s | %s | %d × %g | %s / %s | %.2f / %.2f | %s / %s | %d / %d | **x%.3f** (%.2f-%.2f) "
                   "| x%.2f |" % (
                       r["scenario"], a, b, pairs, r["slice_s"],
                       "{:,.0f}".format(r["rps"][a]), "{:,.0f}".format(r["rps"][b]),
                       r["p99"][a], r["p99"][b], _us(r["cpu_us"][a]), _us(r["cpu_us"][b]),
                       r["errors"][a], r["errors"][b], r["ratio"], r["ratio_min"], r["ratio_max"],
                       r["p99_ratio"]))
    out.append("")
    return out


def _us(v):
    return "-" if v is None else "%.0f" % v

