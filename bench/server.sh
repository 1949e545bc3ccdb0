#!/usr/bin/env bash
# Server benchmark (release build): 50 concurrent clients (wrk, 2 threads) POSTing the
# debian-app inventory to `plinth server` on loopback: throughput, p50/p99 latency, server RSS
# at rest and its peak under load; and a client-mode scan of debian-app against a local scan
# (median wall, hyperfine). Goals: >= 500 scans/s, p99 < 100 ms, flat memory; client mode no
# slower than a local scan plus one round trip.
# Writes bench/results/server.md.
#
# Usage: bench/server.sh [SECONDS]   (default 20; needs wrk and hyperfine from Debian, the
#   fixtures from make-images.sh and ../shared/fixtures/vulndata)
# Honours CARGO_TARGET_DIR, PLINTH_FIXTURES and PLINTH (a plinth binary to use instead of
# building one).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-20}"
FIX="${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}"
SHARED="$(cd .. && pwd)/shared"
[ -d "$SHARED" ] || SHARED=/work/shared
V="$SHARED/fixtures/vulndata"
[ -f "$FIX/MANIFEST.txt" ] || { echo "server.sh: no fixtures in $FIX (run make-images.sh)" >&2; exit 1; }
[ -d "$V" ] || { echo "server.sh: no advisory data in $V" >&2; exit 1; }
for t in wrk hyperfine; do
  command -v $t >/dev/null || { echo "server.sh: $t not found (apt-get install $t)" >&2; exit 1; }
done

if [ -z "${PLINTH:-}" ]; then
  cargo build --release -q -p plinth-cli
  PLINTH="$(pwd)/${CARGO_TARGET_DIR:-target}/release/plinth"
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-server-bench.XXXXXX")"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
DB="$WORK/vuln.redb"
"$PLINTH" db import --db "$DB" "$V" >/dev/null 2>&1
APP="$FIX/debian-app.docker.tar"
"$PLINTH" sbom "$APP" -f json > "$WORK/app.json"

"$PLINTH" server --listen 127.0.0.1:0 --db "$DB" 2> "$WORK/server.log" &
PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.1; done
URL="$(sed -n 's/.*listening on //p' "$WORK/server.log")"
for _ in $(seq 100); do curl -fs "$URL/readyz" >/dev/null && break; sleep 0.1; done
# Warm: the first scans fault the database pages in.
TYPE="Content-Type: application/vnd.plinth.inventory+json"  # as `scan --server` sends it
for _ in 1 2 3; do curl -fs -XPOST -H "$TYPE" --data-binary @"$WORK/app.json" "$URL/v1/scan" >/dev/null; done
rss() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$PID/status"; }
REST_KB=$(rss VmRSS)

cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/vnd.plinth.inventory+json"
local f = io.open("$WORK/app.json", "rb"); wrk.body = f:read("*a"); f:close()
LUA
wrk -t2 -c50 -d"${SECS}s" --latency -s "$WORK/post.lua" "$URL/v1/scan" > "$WORK/wrk.txt"
PEAK_KB=$(rss VmHWM)
AFTER_KB=$(rss VmRSS)
# A second round: flat memory means the peak does not climb with more requests.
wrk -t2 -c50 -d"${SECS}s" --latency -s "$WORK/post.lua" "$URL/v1/scan" > "$WORK/wrk2.txt"
PEAK2_KB=$(rss VmHWM)

"$PLINTH" scan --db "$DB" --offline "$APP" -f json > "$WORK/local.json"
"$PLINTH" scan --server "$URL" "$APP" -f json > "$WORK/remote.json"
cmp -s "$WORK/local.json" "$WORK/remote.json" && SAME=identical || SAME=DIFFERENT
hyperfine -N -w 2 -r 10 --export-json "$WORK/hf.json" \
  -n local "$PLINTH scan --db $DB --offline $APP" \
  -n client "$PLINTH scan --server $URL $APP" > /dev/null
SIZE=$(stat -c %s "$WORK/app.json")
ROUND=$(curl -s -o /dev/null -w '%{time_total}' -XPOST -H "$TYPE" --data-binary @"$WORK/app.json" "$URL/v1/scan")

python3 - "$WORK" "$SECS" "$REST_KB" "$PEAK_KB" "$AFTER_KB" "$PEAK2_KB" "$SAME" "$SIZE" "$ROUND" <<'PY' | tee bench/results/server.md
import json, re, sys
work, secs, rest, peak, after, peak2, same, size, rnd = sys.argv[1:]
def wrk(path):
    t = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", t, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    sock = re.search(r"Socket errors: (.*)", t)
    return rps, lat.get("50"), lat.get("99"), errors.group(1) if errors else "0", sock.group(1) if sock else "none"
hf = {r["command"]: r for r in json.load(open(f"{work}/hf.json"))["results"]}
print(f"# plinth server: debian-app inventory ({int(size)//1024} KiB of plinth JSON), 50 connections\n")
print("| run | scans/s | p50 | p99 | non-2xx | socket errors |")
print("|---|---|---|---|---|---|")
for name in ("wrk.txt", "wrk2.txt"):
    rps, p50, p99, err, sock = wrk(f"{work}/{name}")
    print(f"| {name[:-4]} ({secs} s) | {rps:.0f} | {p50} | {p99} | {err} | {sock} |")
print(f"\nServer RSS: {int(rest)/1024:.1f} MiB at rest (warm), peak {int(peak)/1024:.1f} MiB in the first run, "
      f"{int(after)/1024:.1f} MiB after it, peak {int(peak2)/1024:.1f} MiB after a second run.\n")
l, c = hf["local"], hf["client"]
print(f"Client mode vs local scan of debian-app.docker.tar (hyperfine, 10 runs): local median "
      f"{l['median']*1000:.0f} ms, client median {c['median']*1000:.0f} ms "
      f"(ratio {c['median']/l['median']:.2f}); one round trip alone (curl) {float(rnd)*1000:.1f} ms. "
      f"JSON outputs {same}.")
PY
