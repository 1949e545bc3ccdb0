#!/usr/bin/env bash
# `plinth outdated` benchmark: 100 Dockerfiles (two FROM lines each) over 20 repositories of a
# local registry (Debian's docker-registry on 127.0.0.1, storage in a temporary directory,
# 5 tags per repository pushed with skopeo from make-images.sh's OCI layout, read only).
# Reports the requests plinth sent (tag listings, HEADs, from its JSON "requests") and the
# median wall time of RUNS runs (hyperfine, cache off so every run asks the registry).
#
# Usage: bench/outdated.sh [RUNS]   (default 10; needs docker-registry, skopeo, hyperfine, jq)
# Honours CARGO_TARGET_DIR, PLINTH_FIXTURES and PLINTH=path/to/plinth (default: release build).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-10}"
FIX="${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}"
for t in docker-registry skopeo hyperfine jq curl; do
  command -v "$t" >/dev/null || { echo "outdated.sh: $t not found" >&2; exit 1; }
done
[ -d "$FIX/oci" ] || { echo "outdated.sh: no $FIX/oci (run make-images.sh)" >&2; exit 1; }
if [ -z "${PLINTH:-}" ]; then
  cargo build --release -q -p plinth-cli
  PLINTH="${CARGO_TARGET_DIR:-target}/release/plinth"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-outdated-bench.XXXXXX")"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ADDR="127.0.0.1:$PORT"
printf '%s\n' 'version: 0.1' 'log: {level: warn, accesslog: {disabled: true}}' \
  "storage: {filesystem: {rootdirectory: \"$WORK/data\"}}" \
  "http: {addr: \"$ADDR\", secret: outdated-bench}" >"$WORK/config.yml"
docker-registry serve "$WORK/config.yml" >"$WORK/registry.log" 2>&1 &
REG=$!
cleanup() { kill "$REG" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 50); do curl -fs "http://$ADDR/v2/" >/dev/null && break; sleep 0.2; done

TAGS=(3.18 3.19 3.20 3.21 latest)
for r in $(seq 0 19); do
  for t in "${TAGS[@]}"; do
    skopeo copy -q --dest-tls-verify=false "oci:$FIX/oci:alpine-3.20" "docker://$ADDR/bench/repo$r:$t"
  done
done

mkdir -p "$WORK/files"
for i in $(seq 0 99); do
  a=$((i % 20)); b=$(((i * 7 + 3) % 20)); ta=${TAGS[$((i % 3))]}; tb=${TAGS[$(((i + 1) % 3))]}
  printf 'FROM %s/bench/repo%d:%s AS build\nRUN true\nFROM %s/bench/repo%d:%s\nCOPY --from=build /etc/os-release /\n' \
    "$ADDR" "$a" "$ta" "$ADDR" "$b" "$tb" >"$WORK/files/app$i.Dockerfile"
done

CMD="$PLINTH outdated $WORK/files -f json --cache-ttl 0 --pin"
$CMD >"$WORK/out.json"
echo "references: $(jq '.checked' "$WORK/out.json"), updates: $(jq '.updates | length' "$WORK/out.json"), skipped: $(jq '.skipped | length' "$WORK/out.json")"
echo "requests: $(jq -c '.requests' "$WORK/out.json")"
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/h.json" "$CMD" >/dev/null
echo "median wall time: $(jq '.results[0].median' "$WORK/h.json") s over $RUNS runs"

# The same run with the disk cache warm (the warm-up fills it): no request at all.
CACHED="$PLINTH outdated $WORK/files -f json --pin --cache-dir $WORK/cache"
$CACHED >/dev/null
echo "cached run requests: $($CACHED | jq -c '.requests')"
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/c.json" "$CACHED" >/dev/null
echo "median wall time, cache warm: $(jq '.results[0].median' "$WORK/c.json") s over $RUNS runs"
