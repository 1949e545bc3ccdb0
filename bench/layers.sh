#!/usr/bin/env bash
# Benchmarks `plinth layers` against dive and against the floors the issue names:
#   - debian-app.docker.tar: plinth (every digest verified) vs `dive --ci` (verifies nothing),
#     and vs one sha256 pass over each layer, layers in parallel (the verification floor);
#   - the gzip OCI layout of the same image vs `zcat | sha256sum` over its layer blobs;
#   - a generated image with one layer of 1,000,000 small files vs dive, and `plinth sbom` on it.
# Every plinth run is cold (--no-cache: every byte read and verified); the last rows are cold
# runs that fill an empty layer cache, as a first run does by default.
# Usage: bench/layers.sh [RUNS]   (needs make-images.sh output, peers.sh, hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
F=${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}
DIVE=${DIVE:-/var/tmp/plinth-peers/bin/dive}
MILLION=${MILLION:-/var/tmp/plinth-million.docker.tar}
cargo build --release -q -p plinth-cli
P="${CARGO_TARGET_DIR:-$PWD/target}/release/plinth --no-cache"
[ -f "$MILLION" ] || python3 bench/make-million.py "$MILLION"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

median() { hyperfine -N -i -w 1 -r "$RUNS" --export-json "$TMP/h.json" "$@" >/dev/null 2>&1
  python3 -c "import json,sys; [print(f'{r[\"median\"]:.3f}') for r in json.load(open('$TMP/h.json'))['results']]"; }
rss() { /usr/bin/time -f %M "$@" >/dev/null 2>"$TMP/rss" || true; tail -1 "$TMP/rss"; }
grep -q sha_ni /proc/cpuinfo && echo "CPU with SHA-NI; load: $(cut -d' ' -f1-3 /proc/loadavg)" \
  || echo "CPU without SHA-NI; load: $(cut -d' ' -f1-3 /proc/loadavg)"
row() { printf '| %s | %s | %s s | %s MB |\n' "$1" "$2" "$3" "$(( $4 / 1024 ))"; }

echo "| command | input | median | peak RSS |"
echo "|---|---|---|---|"
# Layers of the docker archive, extracted once for the floor measurements.
tar -C "$TMP" -xf "$F/debian-app.docker.tar" --wildcards '*.tar'
LAYERS=$(ls "$TMP"/*.tar | tr '\n' ' ')
read -r t_p t_d t_f <<<"$(median "$P layers $F/debian-app.docker.tar" "$DIVE --ci --source docker-archive $F/debian-app.docker.tar" \
  "bash -c 'for l in $LAYERS; do sha256sum \$l & done; wait'" | tr '\n' ' ')"
row "plinth layers" debian-app.docker.tar "$t_p" "$(rss $P layers "$F/debian-app.docker.tar")"
row "dive --ci" debian-app.docker.tar "$t_d" "$(rss "$DIVE" --ci --source docker-archive "$F/debian-app.docker.tar")"
row "sha256sum per layer, in parallel (floor)" debian-app.docker.tar "$t_f" 0
BLOBS=$(python3 -c "
import json; d='$F/oci-debian-app'; i=json.load(open(d+'/index.json'))['manifests'][0]['digest'][7:]
m=json.load(open(d+'/blobs/sha256/'+i)); print(' '.join(d+'/blobs/sha256/'+l['digest'][7:] for l in m['layers']))")
read -r t_o t_z <<<"$(median "$P layers $F/oci-debian-app" "bash -c 'for b in $BLOBS; do zcat \$b | sha256sum; done'" | tr '\n' ' ')"
row "plinth layers" "oci-debian-app (gzip)" "$t_o" "$(rss $P layers "$F/oci-debian-app")"
row "zcat \\| sha256sum over the layer blobs" "oci-debian-app (gzip)" "$t_z" 0
read -r t_m t_md t_s <<<"$(median "$P layers $MILLION" "$DIVE --ci --source docker-archive $MILLION" \
  "$P sbom -f json $MILLION" | tr '\n' ' ')"
row "plinth layers" "1,000,000 files, one layer" "$t_m" "$(rss $P layers "$MILLION")"
row "dive --ci" "1,000,000 files, one layer" "$t_md" "$(rss "$DIVE" --ci --source docker-archive "$MILLION")"
row "plinth sbom -f json" "1,000,000 files, one layer" "$t_s" "$(rss $P sbom -f json "$MILLION")"
for cmd in layers "sbom -f json"; do
  rm -rf "$TMP/cache"
  t=$( { /usr/bin/time -f "%e %M" env XDG_CACHE_HOME="$TMP/cache" ${P% --no-cache} $cmd "$MILLION" >/dev/null; } 2>&1 | tail -1)
  row "plinth $cmd, filling an empty cache (1 run)" "1,000,000 files, one layer" "${t% *}" "${t#* }"
done
