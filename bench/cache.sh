#!/usr/bin/env bash
# Warm runs with the layer cache (issue 18): `plinth sbom` and `plinth scan` of debian-app, cold
# (--no-cache) and warm (the cache filled by a first run), with hyperfine.
# Usage: bench/cache.sh [FIXTURES] [PLINTH]   (a release build: cargo build --release -p plinth-cli)
set -euo pipefail
fix=${1:-/var/tmp/plinth-fixtures}
plinth=${2:-target/release/plinth}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
shared=$(dirname "$0")/../../shared
"$plinth" db import --db "$work/vuln.redb" "$shared/fixtures/vulndata/osv" >/dev/null
img=$fix/debian-app.docker.tar
"$plinth" sbom "$img" >/dev/null
"$plinth" scan "$img" --db "$work/vuln.redb" >/dev/null || true
hyperfine -N --warmup 3 --runs 20 -i --export-markdown "$work/results.md" \
  "$plinth sbom $img --no-cache" \
  "$plinth sbom $img" \
  "$plinth scan $img --db $work/vuln.redb --no-cache" \
  "$plinth scan $img --db $work/vuln.redb"
cat "$work/results.md"
for args in "sbom $img" "scan $img --db $work/vuln.redb"; do
  /usr/bin/time -f "warm $args: %e s, %M KB peak RSS" "$plinth" $args >/dev/null || true
done
