#!/usr/bin/env bash
# Source-tree benchmark (release build): `plinth sbom dir:` against `syft scan dir:` in the
# same run, on a generated tree of 50,000 files holding 200 lockfiles (bench/make-tree.py).
# Targets: ≥ 10× faster, ≤ 1/5 of Syft's peak RSS. Median of RUNS timed runs, peak RSS from
# /usr/bin/time -v.
#
# Usage: bench/lockfiles.sh [RUNS]   (default 5; Syft from /var/tmp/plinth-peers/bin or
#   PLINTH_SYFT). Honours CARGO_TARGET_DIR and TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
SYFT="${PLINTH_SYFT:-/var/tmp/plinth-peers/bin/syft}"
cargo build --release -q -p plinth-cli
PLINTH="$(pwd)/${CARGO_TARGET_DIR:-target}/release/plinth"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-lockfiles-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
python3 bench/make-tree.py "$WORK/tree" 50000 200
export SYFT_CHECK_FOR_APP_UPDATE=false SYFT_FILE_METADATA_SELECTION=none

median() {
  for _ in $(seq "$RUNS"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}'
}
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'; }
count() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("packages", d.get("artifacts", []))))' "$1"; }

"$PLINTH" sbom "dir:$WORK/tree" -f json -o "$WORK/plinth.json"
T_P=$(median "$PLINTH" sbom "dir:$WORK/tree" -f json -o "$WORK/plinth.json")
M_P=$(rss "$PLINTH" sbom "dir:$WORK/tree" -f json -o "$WORK/plinth.json")
echo "plinth sbom dir: median ${T_P}s, peak RSS ${M_P} kB, $(count "$WORK/plinth.json") packages"
if [ -x "$SYFT" ]; then
  T_S=$(median "$SYFT" scan -q "dir:$WORK/tree" -o json --file "$WORK/syft.json")
  M_S=$(rss "$SYFT" scan -q "dir:$WORK/tree" -o json --file "$WORK/syft.json")
  echo "syft scan dir: median ${T_S}s, peak RSS ${M_S} kB, $(count "$WORK/syft.json") packages"
  echo "ratio: $(echo "scale=1; $T_S / $T_P" | bc)x faster, $(echo "scale=1; $M_S / $M_P" | bc)x less memory"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
