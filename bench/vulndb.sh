#!/usr/bin/env bash
# Vulnerability database benchmark: import throughput on 300,000 generated OSV records (in one
# all.zip, realistic shapes), database size against input size, single-lookup latency and
# 10,000 lookups in one snapshot. Writes bench/results/vulndb.md.
#
# Usage: bench/vulndb.sh [RECORDS]   (default 300000; needs python3 and /usr/bin/time)
# Honours CARGO_TARGET_DIR (a private one avoids waiting on a busy shared target's lock).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-vulndb-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# The library's own example binary runs the same `plinth_vulndb::import` as `plinth db import`
# and builds without the rest of the CLI's dependencies.
cargo build --release -q -p plinth-vulndb --example bench
TARGET="${CARGO_TARGET_DIR:-target}"
BENCH="$TARGET/release/examples/bench"

python3 - "$N" "$WORK" <<'PY'
import json, random, sys, zipfile, os
n, work = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
ecos = [("PyPI", 0.28), ("npm", 0.28), ("Go", 0.14), ("Maven", 0.1), ("crates.io", 0.05),
        ("RubyGems", 0.05), ("Debian:12", 0.05), ("Ubuntu:22.04:LTS", 0.05)]
words = ["core", "http", "json", "auth", "crypto", "xml", "yaml", "log", "net", "util", "data",
         "image", "parse", "client", "server", "cli", "test", "db", "sql", "cache", "web", "api"]
def name(eco, i):
    a, b = words[i % len(words)], words[(i // len(words)) % len(words)]
    if eco == "npm": return (f"@{a}/{b}-{i}" if i % 5 == 0 else f"{a}-{b}-{i}")
    if eco == "Go": return f"github.com/{a}{i % 997}/{b}-{i}"
    if eco == "Maven": return f"org.{a}.{b}:{b}-{a}-{i}"
    if eco == "PyPI": return f"{a.capitalize()}_{b}.{i}"
    return f"{a}-{b}-{i}"
pools = {e: [name(e, i) for i in range(max(1000, int(n * w / 5)))] for e, w in ecos}
def version(): return f"{rnd.randint(0, 9)}.{rnd.randint(0, 30)}.{rnd.randint(0, 20)}"
names = open(os.path.join(work, "names.tsv"), "w")
zpath = os.path.join(work, "all.zip")
raw = 0
with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(n):
        eco = rnd.choices([e for e, _ in ecos], [w for _, w in ecos])[0]
        pkgs = rnd.sample(pools[eco], 2 if rnd.random() < 0.1 else 1)
        affected = []
        for p in pkgs:
            intro, fix = version(), version()
            ranges = [{"type": "SEMVER" if eco in ("Go", "crates.io") else "ECOSYSTEM",
                       "events": [{"introduced": "0" if rnd.random() < 0.5 else intro},
                                  ({"fixed": fix} if rnd.random() < 0.85 else {"last_affected": fix})]}]
            a = {"package": {"ecosystem": eco, "name": p, "purl": f"pkg:generic/{p}"}, "ranges": ranges}
            if eco == "PyPI":
                a["versions"] = [f"{rnd.randint(0,5)}.{k}" for k in range(rnd.randint(3, 25))]
            a["database_specific"] = {"source": f"https://example.org/{eco}/{i}.json"}
            affected.append(a)
            names.write(f"{eco}\t{p}\n")
        rec = {"schema_version": "1.6.0", "id": f"GHSA-{i:06d}-bench", "modified": "2024-05-01T12:00:00Z",
               "published": "2023-01-15T08:30:00Z", "aliases": [f"CVE-2023-{i:06d}"],
               "summary": f"{rnd.choice(['Denial of service', 'Path traversal', 'Prototype pollution', 'SQL injection', 'Out-of-bounds read'])} in {pkgs[0]}",
               "details": " ".join(rnd.choice(words) for _ in range(rnd.randint(40, 160))),
               "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:L/A:N"}],
               "affected": affected,
               "references": [{"type": "WEB", "url": f"https://example.org/advisories/{i}/{k}"} for k in range(rnd.randint(2, 6))],
               "database_specific": {"severity": rnd.choice(["LOW", "MODERATE", "HIGH", "CRITICAL"]), "cwe_ids": ["CWE-79"]}}
        data = json.dumps(rec, indent=2).encode()
        raw += len(data)
        z.writestr(f"GHSA-{i:06d}-bench.json", data)
names.close()
open(os.path.join(work, "raw_bytes"), "w").write(str(raw))
PY

ZIP="$WORK/all.zip"
DB="$WORK/vuln.redb"
RAW=$(cat "$WORK/raw_bytes")
ZIPSIZE=$(stat -c %s "$ZIP")
/usr/bin/time -v "$BENCH" import "$DB" "$ZIP" 2>"$WORK/time.txt" >"$WORK/import.txt" || { cat "$WORK/time.txt"; exit 1; }
WALL=$(grep "Elapsed (wall clock)" "$WORK/time.txt" | awk '{print $NF}')
RSS=$(grep "Maximum resident set size" "$WORK/time.txt" | awk '{print $NF}')
SECS=$(python3 -c "p='$WALL'.split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))")
RATE=$(python3 -c "print(int($N/$SECS))")
DBSIZE=$(stat -c %s "$DB")
LOOK=$("$BENCH" lookup "$DB" "$WORK/names.tsv")
IMPORTED=$(cat "$WORK/import.txt")

cat > bench/results/vulndb.md <<MD
# vulndb benchmark

Machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%d). Command: \`bench/vulndb.sh $N\`.

Input: $N generated OSV records (GHSA-like: aliases, CVSS v3 vector, 1–2 affected packages across
PyPI, npm, Go, Maven, crates.io, RubyGems, Debian:12, Ubuntu:22.04:LTS; explicit version lists on PyPI;
40–160-word details; 2–6 references) in one \`all.zip\`.

| measure | value |
|---|---|
| import (\`plinth_vulndb::import\` of all.zip, as \`plinth db import\`), wall | ${SECS} s |
| import throughput | ${RATE} records/s |
| import peak RSS | $((RSS / 1024)) MiB |
| input: records as JSON (uncompressed) | $((RAW / 1048576)) MiB |
| input: all.zip | $((ZIPSIZE / 1048576)) MiB |
| database file | $((DBSIZE / 1048576)) MiB ($(python3 -c "print(round($DBSIZE/$RAW*100))")% of the JSON, $(python3 -c "print(round($DBSIZE/$ZIPSIZE*100))")% of the zip) |

Importer's own line: \`${IMPORTED}\` (advisories = one per record and package).

Lookups (\`examples/bench.rs lookup\`, warm page cache):

\`\`\`
$LOOK
\`\`\`
MD
cat bench/results/vulndb.md
