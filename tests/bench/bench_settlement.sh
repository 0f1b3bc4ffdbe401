#!/usr/bin/env bash
# bench_settlement.sh [BUILD_DIR [ROWS...]]: the settlement parser benchmark. Prints its figures.
#
#   BUILD_DIR  a Release build holding (or to hold) bin/settlement_bench (default build-bench,
#              under the repository unless it exists relative to the current directory;
#              configured Release without tests when it has no CMakeCache.txt). The script
#              always (re)builds the settlement_bench target there; a sanitized build is
#              refused (its figures would mean nothing).
#   ROWS...    V2 file sizes in detail rows (default 100000 1000000).
#
# Per size: tests/bench/settlement_gen.py writes a V2 flat file of exactly ROWS detail rows
# (not timed), then the file is read once to warm the page cache, then BENCH_REPEAT (5) runs
# of each, fastest kept:
#   - settlement_bench FILE: the amazon settlement_parse slot with a reconciling sink (sums per
#     the real reconciler with the built-in account map, balanced against total-amount);
#     it reports its own parse+reconcile time, from which MB/s (10^6 bytes);
#   - the whole settlement_bench process, wall clock, and its peak RSS (wait4 ru_maxrss);
#   - `wc -l FILE`, wall clock, measured the same way.
# Checks: every run parses and balances; on the largest size >= 500 MB/s and the bench process
# within 10x of wc -l's wall time; peak RSS < 64 MiB at every size and, from the smallest size
# to the largest, growing by no more than max(5 %, 1 MiB).
# Environment: BENCH_REPEAT, BENCH_KEEP=1 keeps the generated files (their dir is printed).
# Last line: "N passed, N failed"; exit status 1 if any check failed.
# Not a ctest test: benchmarks are not unit tests.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

build_arg=${1:-build-bench}
[ $# -gt 0 ] && shift
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(100000 1000000)
REPEAT=${BENCH_REPEAT:-5}

case "$build_arg" in
  /*) BUILD=$build_arg ;;
  *) if [ -d "$build_arg" ]; then BUILD=$(cd "$build_arg" && pwd); else BUILD="$ROOT/$build_arg"; fi ;;
esac
for n in "${SIZES[@]}" "$REPEAT"; do
  case "$n" in ''|*[!0-9]*|0) echo "bench_settlement: not a positive number: '$n'" >&2; exit 2 ;; esac
done

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  echo "bench_settlement: configuring a Release build in $BUILD" >&2
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >&2 || {
    echo "bench_settlement: cmake failed" >&2; exit 2; }
fi
if grep -q '^SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
  echo "bench_settlement: $BUILD is built with sanitizers; use a Release build" >&2; exit 2
fi
cmake --build "$BUILD" --target settlement_bench -j"$(nproc)" >&2 || {
  echo "bench_settlement: build failed" >&2; exit 2; }
BENCH="$BUILD/bin/settlement_bench"

WORK=$(mktemp -d)
cleanup() {
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git -C "$ROOT" diff --quiet HEAD -- adapters/amazon 2>/dev/null; then
  commit="$commit+uncommitted"
fi
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")
echo "bench_settlement $(date -u '+%Y-%m-%d %H:%M:%S UTC') | nproc $(nproc) | ${cpu:-unknown CPU} |" \
     "commit $commit | $BUILD (${btype:-?}) | fastest of $REPEAT runs"

for n in "${SIZES[@]}"; do
  python3 "$HERE/settlement_gen.py" "$n" "$WORK/v2_$n.tsv" 2>"$WORK/gen_$n.txt" || {
    echo "bench_settlement: generating $n rows failed" >&2; cat "$WORK/gen_$n.txt" >&2; exit 2; }
done

# The measurements and the checks, in Python for wait4 (peak RSS) and a fine clock.
python3 - "$BENCH" "$WORK" "$REPEAT" "${SIZES[@]}" <<'PY'
import os, re, subprocess, sys, time

bench, work, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
sizes = [int(x) for x in sys.argv[4:]]
MB = 1e6
MiB = 1024.0 * 1024
passed = failed = 0


def check(ok, text):
    global passed, failed
    print(("PASS  " if ok else "FAIL  ") + text)
    if ok:
        passed += 1
    else:
        failed += 1


def run(argv):
    """One run: (wall seconds, peak RSS bytes, exit status, stdout)."""
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1)
        os.execv(argv[0], argv)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        out += chunk
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    os.close(r)
    return wall, ru.ru_maxrss * 1024, os.waitstatus_to_exitcode(status), out.decode()


wc = "/usr/bin/wc" if os.path.exists("/usr/bin/wc") else "/bin/wc"
rows = []
for n in sizes:
    path = os.path.join(work, "v2_%d.tsv" % n)
    with open(path, "rb") as f:           # warm the page cache
        while f.read(1 << 20):
            pass
    best = None
    wc_best = None
    rss = 0
    ok = True
    result = {}
    lines_out = ""
    for _ in range(repeat):
        wall, peak, code, out = run([wc, "-l", path])
        wc_best = wall if wc_best is None else min(wc_best, wall)
        wall, peak, code, out = run([bench, path])
        rss = max(rss, peak)
        m = re.search(r"^RESULT (.*)$", out, re.M)
        if code != 0 or m is None:
            ok = False
            lines_out = out
            continue
        res = dict(kv.split("=") for kv in m.group(1).split())
        if best is None or float(res["seconds"]) < float(result["seconds"]):
            result = res
            lines_out = out
        best = wall if best is None else min(best, wall)
    rows.append(dict(n=n, ok=ok, res=result, wall=best, wc=wc_best, rss=rss, out=lines_out))

print("%9s %11s %11s %9s %11s %11s %7s %10s" % ("rows", "bytes", "parse+rec", "MB/s", "bench wall",
                                              "wc -l wall", "ratio", "peak RSS"))
for r in rows:
    res = r["res"]
    if not res:
        print("%9d  (no result)" % r["n"])
        continue
    print("%9d %11s %9.4f s %9.1f %9.4f s %9.4f s %6.1fx %6.1f MiB" % (
        r["n"], res["bytes"], float(res["seconds"]), float(res["mbps"]), r["wall"], r["wc"],
        r["wall"] / r["wc"], r["rss"] / MiB))
for r in rows:
    head = r["out"].splitlines()[0] if r["out"] else "no output"
    print("  %d rows: %s" % (r["n"], head))

for r in rows:
    res = r["res"]
    good = r["ok"] and res.get("balanced") == "1" and int(res.get("lines", -1)) == r["n"]
    check(good, "%d rows: parsed, %s lines, %s" % (
        r["n"], res.get("lines", "?"),
        "balanced against total-amount" if res.get("balanced") == "1" else "NOT balanced"))
big = rows[-1]
if big["res"]:
    mbps = float(big["res"]["mbps"])
    check(mbps >= 500, "%d rows: %.0f MB/s (parse + reconcile) >= 500 MB/s" % (big["n"], mbps))
    ratio = big["wall"] / big["wc"]
    check(ratio <= 10, "%d rows: settlement_bench %.4f s is %.1fx wc -l (%.4f s), within 10x" % (
        big["n"], big["wall"], ratio, big["wc"]))
for r in rows:
    check(0 < r["rss"] < 64 * MiB, "%d rows: peak RSS %.1f MiB < 64 MiB" % (
        r["n"], r["rss"] / MiB))
if len(rows) > 1:
    small = rows[0]
    grow = big["rss"] - small["rss"]
    limit = max(0.05 * small["rss"], MiB)
    check(grow <= limit, "peak RSS does not grow with the file: %.1f MiB at %d rows, %.1f MiB at "
          "%d rows (%+.2f MiB, limit %.2f MiB)" % (small["rss"] / MiB, small["n"],
                                                   big["rss"] / MiB, big["n"], grow / MiB,
                                                   limit / MiB))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
