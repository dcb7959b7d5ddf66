#!/usr/bin/python3
"""Open-loop HTTP/1.1 load: requests leave on a fixed schedule, whatever the server does.

wrk is closed loop: each connection waits for its response before sending again, so
a stalled server also stalls the client and the stall is mostly not measured. Here
request i is due at start + i/rate; its latency runs from that due time to the last
byte of the response, so time spent queued (in the server or waiting for a free
connection here) is charged in full.

  openloop.py --url http://127.0.0.1:8000 --rate 200 --duration 10 --mix /fast:90,/slow:10

With --connections N it is closed loop instead (N keep-alive connections, each sending
its next request when the previous answer arrives), but unlike wrk it also reports
the requests still unanswered when the run ends, with their age: a connection that a
server never serves (while it keeps serving others) shows up here, and wrk would not
show it at all because it only records answered requests.

Prints one JSON object (milliseconds). The path sequence comes from a fixed seed, so
every server sees the same mix in the same order.
"""

import argparse
import asyncio
import json
import random
import time
from urllib.parse import urlsplit


def pct(sorted_ms, p):
    if not sorted_ms:
        return None
    i = min(len(sorted_ms) - 1, max(0, int(len(sorted_ms) * p / 100.0 + 0.999999) - 1))
    return round(sorted_ms[i], 3)


def summary(ms):
    ms = sorted(ms)
    return {"n": len(ms), "p50": pct(ms, 50), "p90": pct(ms, 90), "p99": pct(ms, 99),
            "p999": pct(ms, 99.9), "max": round(ms[-1], 3) if ms else None}


class Client:
    def __init__(self, host, port, max_conns, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.idle = []                                 # keep-alive connections ready for reuse
        self.slots = asyncio.Semaphore(max_conns)
        self.opened = 0

    async def get(self, path):
        async with self.slots:
            if self.idle:
                r, w = self.idle.pop()
            else:
                r, w = await asyncio.open_connection(self.host, self.port)
                self.opened += 1
            try:
                w.write(("GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n"
                         % (path, self.host, self.port)).encode())
                status, keep = await self._response(r)
            except BaseException:
                w.close()
                raise
            if keep:
                self.idle.append((r, w))
            else:
                w.close()
            return status

    async def _response(self, r):
        head = (await r.readuntil(b"\r\n\r\n")).decode("latin-1").lower().split("\r\n")
        status = int(head[0].split()[1])
        hdr = dict(line.split(":", 1) for line in head[1:] if ":" in line)
        hdr = {k.strip(): v.strip() for k, v in hdr.items()}
        keep = not head[0].startswith("http/1.0") and hdr.get("connection") != "close"
        if "content-length" in hdr:
            await r.readexactly(int(hdr["content-length"]))
        elif "chunked" in hdr.get("transfer-encoding", ""):
            while True:
                size = int((await r.readuntil(b"\r\n")).split(b";")[0], 16)
                await r.readexactly(size + 2)
                if size == 0:
                    break
        else:  # body delimited by the end of the connection
            await r.read()
            keep = False
        return status, keep


async def run(a):
    u = urlsplit(a.url)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("openloop: loopback targets only")
    client = Client(u.hostname, u.port or 80, a.max_conns, a.timeout)
    mix = []
    for part in a.mix.split(","):
        path, _, weight = part.partition(":")
        mix.append((path, float(weight or 1)))
    rnd = random.Random(a.seed)
    paths = [m[0] for m in mix]
    weights = [m[1] for m in mix]
    lat = {p: [] for p in paths}
    errors = {"timeout": 0, "status": 0, "io": 0}

    async def one(path, due):
        try:
            status = await asyncio.wait_for(client.get(path), a.timeout)
        except asyncio.TimeoutError:
            errors["timeout"] += 1
            return
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors["io"] += 1
            return
        if status >= 400:
            errors["status"] += 1
            return
        lat[path].append((time.monotonic() - due) * 1000.0)

    n = int(a.rate * a.duration)
    tasks = []
    t0 = time.monotonic() + 0.05
    for i in range(n):
        due = t0 + i / a.rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(rnd.choices(paths, weights)[0], due)))
    send_span = time.monotonic() - t0
    await asyncio.gather(*tasks)
    done = sum(len(v) for v in lat.values())
    out = {"offered_rps": a.rate, "sent": n, "completed": done,
           "rps": round(done / max(send_span, 1e-9), 1), "errors": errors,
           "connections_opened": client.opened,
           "all": summary([x for v in lat.values() for x in v])}
    for p in paths:
        out[p] = summary(lat[p])
    print(json.dumps(out))


async def closed(a):
    u = urlsplit(a.url)
    host, port = u.hostname, u.port or 80
    path = a.mix.split(":")[0]
    lat, waiting, errors = [], {}, {"io": 0, "status": 0}
    answered = [0] * a.connections
    end = time.monotonic() + a.duration
    req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (path, host, port)).encode()
    client = Client(host, port, 1, a.timeout)

    async def loop(i):
        r = w = None
        while time.monotonic() < end:
            waiting[i] = time.monotonic()
            try:
                if w is None:
                    r, w = await asyncio.open_connection(host, port)
                w.write(req)
                status, keep = await client._response(r)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                errors["io"] += 1
                r = w = None
                continue
            lat.append((time.monotonic() - waiting.pop(i)) * 1000.0)
            answered[i] += 1
            if status >= 400:
                errors["status"] += 1
            if not keep:
                w.close()
                r = w = None

    tasks = [asyncio.ensure_future(loop(i)) for i in range(a.connections)]
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    now = time.monotonic()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    ages = [(now - t0) * 1000.0 for t0 in waiting.values()]
    errors["unanswered_over_timeout"] = sum(1 for x in ages if x > a.timeout * 1000.0)
    print(json.dumps({
        "completed": len(lat), "rps": round(len(lat) / a.duration, 1), "errors": errors,
        "connections": a.connections,
        "connections_never_answered": sum(1 for n in answered if n == 0),
        "answered": summary(lat),
        # unanswered requests count with their age at the end: a lower bound, but
        # it keeps starved connections inside the percentiles
        "all": summary(lat + ages)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--rate", type=float, default=200.0, help="requests per second")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of sending")
    ap.add_argument("--mix", default="/", help="path:weight,... (e.g. /fast:90,/slow:10)")
    ap.add_argument("--max-conns", type=int, default=256)
    ap.add_argument("--timeout", type=float, default=10.0, help="per request, from its due time")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--connections", type=int, help="closed loop on this many connections")
    a = ap.parse_args()
    asyncio.run(closed(a) if a.connections else run(a))


if __name__ == "__main__":
    main()
