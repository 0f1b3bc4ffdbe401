#!/usr/bin/env python3
"""bench_orders.py: the measuring half of bench_orders.sh.

  run --bin CONNECTOR --conf CONF --dir DIR --label L --orders N [--timeout S]
      Run `CONNECTOR -c CONF sync` once (stdout/stderr to DIR/L.out, DIR/L.err),
      measure its wall time and, through os.wait4, its CPU time (user + sys)
      and peak RSS, then read the sandbox's /_sandbox/stats ($SANDBOX_URL).
      Writes DIR/L.json. SIGTERM/SIGINT/SIGHUP are passed on to the connector.
  throughput JSON...
      Part 1: one line per run, then the PASS/FAIL checks.
  ratelimit --scale S --rate R --burst B --page-size P JSON
      Part 2: pages/s achieved against what the token bucket allows, 429s,
      failures, then the PASS/FAIL checks.

Checks print as "PASS  what" or "FAIL  what"; the shell counts them.
"""
import argparse
import json
import math
import os
import re
import signal
import sys
import time
import urllib.request

SUMMARY_RE = re.compile(
    r"orders: (?P<seen>\d+) seen, (?P<created>\d+) created, (?P<updated>\d+) updated, "
    r"(?P<unchanged>\d+) unchanged, (?P<skipped>\d+) skipped, (?P<failed>\d+) failed, "
    r"(?P<retried>\d+) retried \((?P<pages>\d+) pages, (?P<secs>[0-9.]+) s\)")

CPU_US_PER_ORDER_MAX = 100.0      # part 1: connector CPU per order
RSS_SPREAD_MAX = 0.10             # part 1: largest run's peak RSS vs the smallest run's
PAGE_RATE_RATIO_MIN = 0.90        # part 2: achieved / allowed searchOrders pages


def fetch_stats(url):
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/_sandbox/stats", timeout=30) as r:
            return json.load(r)
    except Exception as e:  # noqa: BLE001 - any failure is reported, not raised
        return {"error": str(e)}


def parse_summary(text):
    m = None
    for m in SUMMARY_RE.finditer(text):
        pass
    if m is None:
        return None
    d = {k: int(v) for k, v in m.groupdict().items() if k != "secs"}
    d["secs"] = float(m.group("secs"))
    return d


def cmd_run(a):
    out_path = os.path.join(a.dir, a.label + ".out")
    err_path = os.path.join(a.dir, a.label + ".err")
    argv = [a.bin, "-c", a.conf, "sync"]
    child = {"pid": 0}

    def forward(signum, _frame):
        if child["pid"] > 0:
            try:
                os.kill(child["pid"], signal.SIGTERM)
            except ProcessLookupError:
                pass
        raise SystemExit(128 + signum)

    # Pass stop signals on to the connector; a signal ignored on entry (SIGINT
    # in a background job) stays ignored, here and in the connector.
    saved = {}
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        if signal.getsignal(s) is not signal.SIG_IGN:
            saved[s] = signal.signal(s, forward)

    with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                for s in saved:
                    signal.signal(s, signal.SIG_DFL)
                os.dup2(fo.fileno(), 1)
                os.dup2(fe.fileno(), 2)
                os.execv(a.bin, argv)
            finally:
                os._exit(127)
        child["pid"] = pid
        timed_out = False
        deadline = t0 + a.timeout
        while True:
            wpid, status, ru = os.wait4(pid, os.WNOHANG)
            if wpid == pid:
                break
            if time.monotonic() > deadline and not timed_out:
                timed_out = True
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 10
            elif timed_out and time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        wall = time.monotonic() - t0
        child["pid"] = 0

    with open(out_path, encoding="utf-8", errors="replace") as f:
        out = f.read()
    res = {
        "label": a.label,
        "orders": a.orders,
        "exit": os.waitstatus_to_exitcode(status),
        "timed_out": timed_out,
        "wall_s": wall,
        "utime_s": ru.ru_utime,
        "stime_s": ru.ru_stime,
        "maxrss_kb": ru.ru_maxrss,
        "summary": parse_summary(out),
        "stats": fetch_stats(os.environ.get("SANDBOX_URL", "")),
    }
    with open(os.path.join(a.dir, a.label + ".json"), "w", encoding="utf-8") as f:
        json.dump(res, f)
    return 0


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)


def load(paths):
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            out.append(json.load(f))
    return out


def stat(res, group, key):
    s = res.get("stats") or {}
    v = (s.get(group) or {}).get(key) if isinstance(s.get(group), dict) else s.get(group)
    return v if isinstance(v, int) else None


def cmd_throughput(a):
    runs = load(a.json)
    print("%10s %9s %10s %14s %13s %8s   %s" % (
        "orders", "wall s", "orders/s", "CPU us/order", "peak RSS MB", "exit", "connector summary"))
    for r in runs:
        n = r["orders"]
        cpu = r["utime_s"] + r["stime_s"]
        s = r["summary"]
        ssum = ("%d created, %d failed, %d pages, %.1f s" %
                (s["created"], s["failed"], s["pages"], s["secs"])) if s else "(no summary line)"
        print("%10d %9.2f %10.0f %14.1f %13.1f %8s   %s" % (
            n, r["wall_s"], n / r["wall_s"], cpu / n * 1e6, r["maxrss_kb"] / 1024.0,
            str(r["exit"]) + (" (timeout)" if r["timed_out"] else ""), ssum))
    for r in runs:
        n = r["orders"]
        recs = stat(r, "records", "salesOrder")
        cpu_us = (r["utime_s"] + r["stime_s"]) / n * 1e6
        check(r["exit"] == 0, "%d orders: connector exit code 0 (got %s)" % (n, r["exit"]))
        check(recs == n, "%d orders: NetSuite holds exactly %d salesOrder records "
                "(sandbox stats: %s, writes %s)" % (n, n, recs, stat(r, "writes", None)))
        check(cpu_us < CPU_US_PER_ORDER_MAX, "%d orders: connector CPU %.1f us/order < %.0f us"
                % (n, cpu_us, CPU_US_PER_ORDER_MAX))
    if len(runs) >= 2:
        small = min(runs, key=lambda r: r["orders"])
        large = max(runs, key=lambda r: r["orders"])
        spread = (large["maxrss_kb"] - small["maxrss_kb"]) / small["maxrss_kb"]
        check(abs(spread) <= RSS_SPREAD_MAX,
                "peak RSS at %d orders (%.1f MB) within %.0f%% of %d orders (%.1f MB): %+.1f%%" % (
                    large["orders"], large["maxrss_kb"] / 1024.0, RSS_SPREAD_MAX * 100,
                    small["orders"], small["maxrss_kb"] / 1024.0, spread * 100))
    return 0


def cmd_ratelimit(a):
    (r,) = load([a.json])
    n = r["orders"]
    t = r["wall_s"]
    req = stat(r, "requests", "searchOrders")
    thr = stat(r, "throttled", "searchOrders")
    s = r["summary"]
    if req is None or thr is None:
        print("sandbox stats unavailable: %s" % (r.get("stats") or {}).get("error"))
        check(False, "sandbox stats could be read")
        return 0
    pages = req - thr
    needed = math.ceil(n / a.page_size)
    refill = a.rate * a.scale
    # The bucket starts full: a burst of B pages, then one every 1/refill s.
    # In the run's wall time T at most B + refill*T pages can be had. (Capping
    # this at the pages there are, min(P_total, B + refill*T), would make any
    # run that fetched every page score 100 % however slow it was.)
    allowed = a.burst + refill * t
    ratio = pages / allowed if allowed > 0 else 0.0
    t_min = max(0, max(pages, needed) - a.burst) / refill
    failed = s["failed"] if s else None
    print("searchOrders: %d pages in %.2f s (connector counted %s; %d needed for %d orders); "
          "the least time the limit allows for them: %.2f s" % (
              pages, t, s["pages"] if s else "?", needed, n, t_min))
    print("achieved %.2f pages/s, allowed %.2f pages/s (%d + %g*%g*%.2f s = %.1f pages in %.2f s), "
          "ratio %.1f%%" % (pages / t, allowed / t, a.burst, a.rate, a.scale, t, allowed, t,
                            ratio * 100))
    print("429s sent by the sandbox (throttled.searchOrders): %d; other throttled: %s" % (
        thr, {k: v for k, v in ((r.get("stats") or {}).get("throttled") or {}).items()
              if v and k != "searchOrders"} or "none"))
    print("connector: exit %s, %s" % (
        r["exit"], ("%d created, %d failed, %d retried" % (s["created"], s["failed"], s["retried"]))
        if s else "no summary line"))
    check(ratio >= PAGE_RATE_RATIO_MIN, "searchOrders pages/s at least %.0f%% of what the limit "
            "allows (%.1f%%)" % (PAGE_RATE_RATIO_MIN * 100, ratio * 100))
    check(r["exit"] == 0 and failed == 0, "no 429 becomes a failure (%d 429s; exit %s, %s failed)"
            % (thr, r["exit"], failed))
    recs = stat(r, "records", "salesOrder")
    check(recs == n, "NetSuite holds exactly %d salesOrder records (sandbox stats: %s)" % (n, recs))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--bin", required=True)
    r.add_argument("--conf", required=True)
    r.add_argument("--dir", required=True)
    r.add_argument("--label", required=True)
    r.add_argument("--orders", type=int, required=True)
    r.add_argument("--timeout", type=float, default=600)
    t = sub.add_parser("throughput")
    t.add_argument("json", nargs="+")
    q = sub.add_parser("ratelimit")
    q.add_argument("--scale", type=float, required=True)
    q.add_argument("--rate", type=float, required=True)
    q.add_argument("--burst", type=int, required=True)
    q.add_argument("--page-size", type=int, required=True)
    q.add_argument("json")
    a = p.parse_args()
    return {"run": cmd_run, "throughput": cmd_throughput, "ratelimit": cmd_ratelimit}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
