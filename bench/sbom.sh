#!/usr/bin/env bash
# SBOM benchmark (release build): `plinth sbom` against `syft scan` on debian-app in the same
# run (targets: ≥ 12× faster, ≤ 1/6 of Syft's peak RSS), and plinth alone on a generated image
# of one layer holding 1,000,000 small files (target: < 1.5 s, < 100 MB). Median wall time
# (hyperfine, or a loop of 5 timed runs without it) and peak RSS (/usr/bin/time -v).
# Writes bench/results/sbom.md.
#
# Usage: bench/sbom.sh [RUNS]   (default 5; needs /usr/bin/time, python3, the fixtures from
#   make-images.sh; Syft from /var/tmp/plinth-peers/bin or PLINTH_SYFT, else it is left out)
# Honours CARGO_TARGET_DIR, PLINTH_FIXTURES and TMPDIR (the 1M-file image is ~1.5 GB there).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
FIX="${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}"
SYFT="${PLINTH_SYFT:-/var/tmp/plinth-peers/bin/syft}"
APP="$FIX/debian-app.docker.tar"
[ -f "$APP" ] || { echo "sbom.sh: no $APP (run make-images.sh)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "sbom.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

cargo build --release -q -p plinth-cli
PLINTH="$(pwd)/${CARGO_TARGET_DIR:-target}/release/plinth"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-sbom-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# One layer of 1,000,000 small files as a docker-archive (shared with bench/layers.sh, kept).
MILLION="${MILLION:-/var/tmp/plinth-million.docker.tar}"
[ -f "$MILLION" ] || python3 bench/make-million.py "$MILLION"

# median wall seconds of RUNS runs (after one warm-up), via hyperfine when installed
median() {
  if command -v hyperfine >/dev/null; then
    hyperfine -N -w 1 -r "$RUNS" --export-json "$WORK/h.json" "$*" >/dev/null 2>&1
    python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/h.json"
  else
    "$@" >/dev/null 2>&1
    for _ in $(seq "$RUNS"); do
      s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
      echo "$e - $s" | bc
    done | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}'
  fi
}
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'; }

T_APP=$(median "$PLINTH" sbom "$APP" -f json -o "$WORK/app.json")
M_APP=$(rss "$PLINTH" sbom "$APP" -f json -o "$WORK/app.json")
N_APP=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' "$WORK/app.json")
T_SYFT=-; M_SYFT=-; N_SYFT=-; SYFT_V=-
if [ -x "$SYFT" ]; then
  export SYFT_CHECK_FOR_APP_UPDATE=false
  SYFT_V=$("$SYFT" version 2>/dev/null | sed -n 's/^Version: *//p')
  T_SYFT=$(median "$SYFT" scan -q "docker-archive:$APP" -o json --file "$WORK/syft.json")
  M_SYFT=$(rss "$SYFT" scan -q "docker-archive:$APP" -o json --file "$WORK/syft.json")
  N_SYFT=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["artifacts"]))' "$WORK/syft.json")
fi
T_MIL=$(median "$PLINTH" sbom "$MILLION" -f json -o "$WORK/million.json")
M_MIL=$(rss "$PLINTH" sbom "$MILLION" -f json -o "$WORK/million.json")
SIZE_MIL=$(du -m "$MILLION" | cut -f1)
TOOL=$(command -v hyperfine >/dev/null && echo "hyperfine, median of $RUNS" || echo "median of $RUNS timed runs")

python3 - "$T_APP" "$M_APP" "$N_APP" "$T_SYFT" "$M_SYFT" "$N_SYFT" "$SYFT_V" "$T_MIL" "$M_MIL" \
  "$SIZE_MIL" "$TOOL" "$(nproc)" "$(date -u +%F)" <<'PY' > bench/results/sbom.md
import sys
t_app, m_app, n_app, t_syft, m_syft, n_syft, syft_v, t_mil, m_mil, size_mil, tool, cpus, day = sys.argv[1:]
mb = lambda kb: "%.0f MB" % (int(kb) / 1024)
print("# `plinth sbom` benchmark\n")
print(f"Run {day} on {cpus} CPUs by `bench/sbom.sh` (release build; wall time: {tool}; "
      "peak RSS: `/usr/bin/time -v`, one run). Both tools write JSON to a file.\n")
print("| command | input | packages | median wall | peak RSS |")
print("|---|---|---|---|---|")
print(f"| `plinth sbom -f json` | debian-app.docker.tar | {n_app} | {float(t_app):.3f} s | {mb(m_app)} |")
if t_syft != "-":
    print(f"| `syft scan -o json` ({syft_v}) | docker-archive:debian-app.docker.tar | {n_syft} | {float(t_syft):.3f} s | {mb(m_syft)} |")
print(f"| `plinth sbom -f json` | generated: 1 layer, 1,000,000 small files ({size_mil} MB tar) | 0 | {float(t_mil):.3f} s | {mb(m_mil)} |")
print()
if t_syft != "-":
    speed = float(t_syft) / float(t_app)
    mem = int(m_app) / int(m_syft)
    print(f"- debian-app: plinth is **{speed:.1f}×** faster than Syft (target ≥ 12×: "
          f"{'met' if speed >= 12 else 'missed'}) and uses **{mem:.2f}** of its peak memory "
          f"(target ≤ 1/6 = 0.17: {'met' if mem <= 1/6 else 'missed'}).")
else:
    print("- Syft was not installed: no comparison.")
ok_t = float(t_mil) < 1.5
ok_m = int(m_mil) / 1024 < 100
print(f"- 1,000,000 files: {float(t_mil):.3f} s (target < 1.5 s: {'met' if ok_t else 'missed'}), "
      f"{mb(m_mil)} (target < 100 MB: {'met' if ok_m else 'missed'}).")
PY
cat bench/results/sbom.md
