#!/usr/bin/env bash
# Registry benchmark: pull-and-analyse `debian-app` from a local registry (Debian's
# docker-registry on 127.0.0.1, started by ../shared/scripts/make-images.sh --registry PORT)
# with `plinth layers` against `syft registry:…` in the same run, plus plinth on the same
# image's OCI layout on disk (the cost of the network path). Median wall time and peak RSS
# (/usr/bin/time -v) over RUNS runs after one warm-up each. Writes bench/results/registry.md.
#
# Usage: bench/registry.sh [RUNS]   (default 5; needs /usr/bin/time, syft in
#   /var/tmp/plinth-peers/bin or on PATH, and the fixtures from make-images.sh)
# Honours CARGO_TARGET_DIR and PLINTH_FIXTURES. A registry already serving the fixtures is
# reused and left running; one this script starts is stopped by its PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
FIX="${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}"
SHARED="$(cd .. && pwd)/shared"
[ -d "$SHARED" ] || SHARED=/work/shared
export PATH="/var/tmp/plinth-peers/bin:$PATH"
command -v syft >/dev/null || { echo "registry.sh: syft not found (run shared/scripts/peers.sh)" >&2; exit 1; }
[ -f "$FIX/MANIFEST.txt" ] || { echo "registry.sh: no fixtures in $FIX (run make-images.sh)" >&2; exit 1; }

cargo build --release -q -p plinth-cli
PLINTH="${CARGO_TARGET_DIR:-target}/release/plinth"

STARTED=""
pid=$(cat "$FIX/registry.pid" 2>/dev/null || true)
if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = docker-registry ]; then
  ADDR=$(sed -n 's/.*addr: "\([^"]*\)".*/\1/p' "$FIX/registry/config.yml")
else
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  bash "$SHARED/scripts/make-images.sh" --registry "$PORT" "$FIX" >/dev/null 2>&1
  STARTED=$(cat "$FIX/registry.pid"); ADDR="127.0.0.1:$PORT"
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-registry-bench.XXXXXX")"
cleanup() { rm -rf "$WORK"; if [ -n "$STARTED" ]; then kill "$STARTED" 2>/dev/null || true; fi; }
trap cleanup EXIT
PORT=${ADDR##*:}

# name|command: each runs RUNS times (after a warm-up) under /usr/bin/time -v.
CASES=(
  "plinth layers (registry)|$PLINTH layers localhost:$PORT/fixtures/debian-app"
  "syft (registry)|env SYFT_REGISTRY_INSECURE_USE_HTTP=true SYFT_CHECK_FOR_APP_UPDATE=false syft -q registry:127.0.0.1:$PORT/fixtures/debian-app -o json"
  "plinth layers (OCI layout on disk)|$PLINTH layers oci-dir:$FIX/oci-debian-app"
)
measure() {  # NAME CMD: prints "median_s peak_rss_kb"
  local cmd=$2 i
  : >"$WORK/t"
  sh -c "$cmd" >/dev/null 2>&1
  for i in $(seq "$RUNS"); do
    /usr/bin/time -v sh -c "exec $cmd" >/dev/null 2>"$WORK/v"
    awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + p[j]; w = s}
                /Maximum resident set size/ {r = $2} END {print w, r}' "$WORK/v" >>"$WORK/t"
  done
  sort -n "$WORK/t" | awk '{w[NR] = $1; if ($2 > r) r = $2} END {m = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2; print m, r}'
}
LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
declare -A WALL RSS
for c in "${CASES[@]}"; do
  name=${c%%|*}; read -r w r < <(measure "$name" "${c#*|}")
  WALL[$name]=$w; RSS[$name]=$r
  echo "$name: median ${w}s, peak RSS ${r} KB" >&2
done

P="plinth layers (registry)" S="syft (registry)" L="plinth layers (OCI layout on disk)"
size=$(awk '/ oci-debian-app\/$/ {print $1}' "$FIX/MANIFEST.txt")
{
  echo "# Registry: pull and analyse debian-app"
  echo
  echo "Measured by \`bench/registry.sh $RUNS\` on $(date -u +%Y-%m-%d) ($(nproc) cores, release build):"
  echo "\`debian-app\` (OCI layout $((size / 1000000)) MB, pushed by make-images.sh) served by Debian's"
  echo "docker-registry on $ADDR, plain HTTP. Median of $RUNS runs after one warm-up; peak RSS is"
  echo "the largest of the runs (/usr/bin/time -v). Both tools download every layer; syft also"
  echo "catalogs packages (it has no layers-only mode), plinth layers builds the layer report."
  echo "Load average at start: $LOAD_BEFORE; at end: $(cut -d" " -f1-3 /proc/loadavg) (a busy shared machine"
  echo "makes every number here noisy: compare the two tools only within one run)."
  echo
  echo "| command | median wall | peak RSS |"
  echo "|---|---:|---:|"
  for c in "${CASES[@]}"; do
    name=${c%%|*}
    printf '| %s | %.2f s | %.1f MiB |\n' "$name" "${WALL[$name]}" "$(echo "${RSS[$name]} / 1024" | bc -l)"
  done
  echo
  printf 'Ratio syft / plinth (registry): wall %.1fx, peak RSS %.1fx.\n' \
    "$(echo "${WALL[$S]} / ${WALL[$P]}" | bc -l)" "$(echo "${RSS[$S]} / ${RSS[$P]}" | bc -l)"
  printf 'Registry over local layout for plinth: wall %.2fx.\n' "$(echo "${WALL[$P]} / ${WALL[$L]}" | bc -l)"
  echo
  echo "Commands:"
  echo
  for c in "${CASES[@]}"; do echo "- \`${c#*|}\`" | sed "s|$PLINTH|plinth|; s|$FIX|\$FIXTURES|"; done
} >bench/results/registry.md
cat bench/results/registry.md
