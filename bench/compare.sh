#!/usr/bin/env bash
# Compare benchmark (release build): `plinth compare` on four base-image candidates against
# the four `plinth sbom` runs it needs (the goal: no more than those), and on two images that
# share a base layer (read once in one compare). Syft over the same four images is the peer.
# Median wall time (hyperfine) and peak RSS (/usr/bin/time -v). Writes bench/results/compare.md.
#
# Usage: bench/compare.sh [RUNS]   (default 5; needs hyperfine, /usr/bin/time, python3, the
#   fixtures from make-images.sh; Syft from /var/tmp/plinth-peers/bin or PLINTH_SYFT, else
#   it is left out)
# Honours CARGO_TARGET_DIR and PLINTH_FIXTURES.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
FIX="${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}"
SYFT="${PLINTH_SYFT:-/var/tmp/plinth-peers/bin/syft}"
[ -f "$FIX/MANIFEST.txt" ] || { echo "compare.sh: no fixtures in $FIX (run make-images.sh)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "compare.sh: hyperfine not found (apt-get install hyperfine)" >&2; exit 1; }

cargo build --release -q -p plinth-cli
PLINTH="$(pwd)/${CARGO_TARGET_DIR:-target}/release/plinth"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-compare-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

FOUR=(debian-bookworm debian-app distroless-debian alpine-3.20)
TWO=(debian-bookworm debian-app)
args() { for i in "$@"; do printf ' %s/%s.docker.tar' "$FIX" "$i"; done; }
SBOM4=""; for i in "${FOUR[@]}"; do SBOM4="$SBOM4 $PLINTH sbom -f json $FIX/$i.docker.tar >/dev/null;"; done
SBOM2=""; for i in "${TWO[@]}"; do SBOM2="$SBOM2 $PLINTH sbom -f json $FIX/$i.docker.tar >/dev/null;"; done

hyperfine -w 1 -r "$RUNS" --export-json "$WORK/t.json" \
  -n "compare 4" "$PLINTH compare -f json $(args "${FOUR[@]}") >/dev/null" \
  -n "sbom 4" "$SBOM4" \
  -n "compare 2" "$PLINTH compare -f json $(args "${TWO[@]}") >/dev/null" \
  -n "sbom 2" "$SBOM2" >/dev/null

SYFT_V=-
if [ -x "$SYFT" ]; then
  export SYFT_CHECK_FOR_APP_UPDATE=false
  SYFT_V=$("$SYFT" version 2>/dev/null | sed -n 's/^Version: *//p')
  SYFT4=""; for i in "${FOUR[@]}"; do SYFT4="$SYFT4 $SYFT scan -q docker-archive:$FIX/$i.docker.tar -o json >/dev/null;"; done
  hyperfine -w 1 -r "$RUNS" --export-json "$WORK/s.json" -n "syft 4" "$SYFT4" >/dev/null
fi

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'; }
# shellcheck disable=SC2046
RSS4=$(rss "$PLINTH" compare -f json $(args "${FOUR[@]}"))
RSS_SBOM=$(rss "$PLINTH" sbom -f json "$FIX/debian-app.docker.tar")

python3 - "$WORK" "$RUNS" "$RSS4" "$RSS_SBOM" "$SYFT_V" "$(nproc)" <<'PY' > bench/results/compare.md
import json, os, sys
work, runs, rss4, rss_sbom, syft_v, cpus = sys.argv[1:]
t = {r["command"]: r for r in json.load(open(f"{work}/t.json"))["results"]}
s = {}
if os.path.exists(f"{work}/s.json"):
    s = {r["command"]: r for r in json.load(open(f"{work}/s.json"))["results"]}
ms = lambda r: r["median"] * 1000
mb = lambda kb: f"{int(kb) / 1024:.0f} MiB"
row = lambda name, label: print(f"| {label} | {ms(name):.0f} ms | {name['min']*1000:.0f} ms | {name['max']*1000:.0f} ms |")
print("# plinth compare benchmark\n")
print(f"Written by `bench/compare.sh` (release build, {cpus} CPUs, {runs} runs after one warm-up, median wall")
print("time from hyperfine, peak RSS from `/usr/bin/time -v`), docker-archive fixtures, no database.\n")
print("## four base-image candidates\n")
print("debian-bookworm, debian-app (bookworm's layer plus two), distroless-debian, alpine-3.20.\n")
print("| command | median | min | max |\n|---|---|---|---|")
row(t["compare 4"], "`plinth compare -f json` of the four")
row(t["sbom 4"], "four `plinth sbom -f json` runs")
if s:
    row(s["syft 4"], f"four `syft scan -o json` runs (Syft {syft_v})")
ratio = t["compare 4"]["median"] / t["sbom 4"]["median"]
print(f"\ncompare / four sbom runs = **{ratio:.2f}×** (goal ≤ 1). Peak RSS of the compare: {mb(rss4)}")
print(f"(one `plinth sbom` of debian-app: {mb(rss_sbom)}).")
if s:
    print(f"Syft's four runs / compare = **{s['syft 4']['median'] / t['compare 4']['median']:.1f}×**.")
print("\n## two images on one base\n")
print("| command | median | min | max |\n|---|---|---|---|")
row(t["compare 2"], "`plinth compare -f json` debian-bookworm debian-app")
row(t["sbom 2"], "two `plinth sbom -f json` runs")
ratio = t["compare 2"]["median"] / t["sbom 2"]["median"]
print(f"\ncompare / two sbom runs = **{ratio:.2f}×**: the 117 MB base layer is walked once, not twice.")
print("\nThese machines are shared and noisy: quote ratios, not times.")
PY
cat bench/results/compare.md
