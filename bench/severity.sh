#!/usr/bin/env bash
# Per-CVE severity benchmark (release build):
# - 300,000 generated CVEs in NVD CVE API 2.0 bulk files (real metric shapes: NVD Primary v3.1
#   and v2, CNA Secondary v3.x, some v4.0): import time, database size, and the severity lookup
#   latency (median, p99) inside one snapshot, as a scan does it (goal: p99 < 100 µs);
# - `plinth scan` of debian-app with everything in ../shared/fixtures/vulndata plus the 300,000
#   CVE severities imported, against `plinth sbom` of the same image (goal: within 1.3×);
# - database size per source: each folder of ../shared/fixtures/vulndata imported alone.
# Writes bench/results/severity.md.
#
# Usage: bench/severity.sh [CVES] [RUNS]   (defaults 300000 and 10; needs python3, hyperfine,
#   /usr/bin/time, the fixtures from make-images.sh and ../shared/fixtures/vulndata)
# Honours CARGO_TARGET_DIR and PLINTH_FIXTURES.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300000}"
RUNS="${2:-10}"
FIX="${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}"
SHARED="$(cd .. && pwd)/shared"
[ -d "$SHARED" ] || SHARED=/work/shared
V="$SHARED/fixtures/vulndata"
[ -d "$V" ] || { echo "severity.sh: no advisory data in $V" >&2; exit 1; }
[ -f "$FIX/debian-app.docker.tar" ] || { echo "severity.sh: no fixtures in $FIX" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "severity.sh: hyperfine not found (apt-get install hyperfine)" >&2; exit 1; }

# One invocation: built apart, the two would resolve features differently and rebuild C deps.
cargo build --release -q -p plinth-cli -p plinth-vulndb --bins --example bench
TARGET="$(pwd)/${CARGO_TARGET_DIR:-target}"
PLINTH="$TARGET/release/plinth"
BENCH="$TARGET/release/examples/bench"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-severity-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

python3 - "$N" "$WORK" <<'PY'
import json, os, random, sys
n, work = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(13)
v3 = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
      "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
      "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"]
v2 = ["AV:N/AC:L/Au:N/C:P/I:P/A:P", "AV:N/AC:M/Au:N/C:N/I:P/A:N", "AV:L/AC:L/Au:N/C:C/I:C/A:C"]
v4 = ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"]
def metric(vector, source, kind):
    return {"source": source, "type": kind, "cvssData": {"version": vector[5:8] if vector.startswith("CVSS") else "2.0",
            "vectorString": vector, "baseScore": 0.0}}
ids = []
per_file = 25_000
for f in range((n + per_file - 1) // per_file):
    items = []
    for i in range(f * per_file, min(n, (f + 1) * per_file)):
        cve = f"CVE-{1999 + i % 27}-{100000 + i}"
        ids.append(cve)
        m = {}
        r = rnd.random()
        if r < 0.75:
            m["cvssMetricV31"] = [metric(rnd.choice(v3[:5]), "nvd@nist.gov", "Primary")]
        if r < 0.35:
            m["cvssMetricV2"] = [metric(rnd.choice(v2), "nvd@nist.gov", "Primary")]
        if 0.6 < r < 0.95:
            m.setdefault("cvssMetricV31", []).append(metric(rnd.choice(v3), "cna@example.org", "Secondary"))
        if r > 0.97:
            m["cvssMetricV40"] = [metric(rnd.choice(v4), "cna@example.org", "Secondary")]
        items.append({"cve": {"id": cve, "sourceIdentifier": "cna@example.org", "published": "2024-01-01T00:00:00.000",
                              "lastModified": "2024-06-01T00:00:00.000", "vulnStatus": "Analyzed",
                              "descriptions": [{"lang": "en", "value": f"Generated record {cve} for the severity benchmark."}],
                              "metrics": m, "references": [{"url": f"https://example.org/{cve}"}]}})
    doc = {"resultsPerPage": len(items), "startIndex": 0, "totalResults": len(items), "format": "NVD_CVE",
           "version": "2.0", "timestamp": "2024-06-01T00:00:00.000", "vulnerabilities": items}
    os.makedirs(f"{work}/nvd", exist_ok=True)
    with open(f"{work}/nvd/nvdcve-2.0-{f:02}.json", "w") as out:
        json.dump(doc, out)
rnd.shuffle(ids)
open(f"{work}/ids.txt", "w").write("\n".join(ids) + "\n")
PY

NVD_BYTES=$(du -sb "$WORK/nvd" | cut -f1)
IMPORT_S=$( { /usr/bin/time -f %e "$PLINTH" db import --db "$WORK/nvd.redb" "$WORK/nvd" >/dev/null 2>/dev/null; } 2>&1 )
NVD_DB=$(stat -c %s "$WORK/nvd.redb")
LOOKUP=$("$BENCH" cves "$WORK/nvd.redb" "$WORK/ids.txt")

# The full table: every fixture record plus the generated CVEs, in one database.
FULL="$WORK/full.redb"
"$PLINTH" db import --db "$FULL" "$V" "$WORK/nvd" >/dev/null 2>&1
APP="$FIX/debian-app.docker.tar"
hyperfine -N -w 1 -r "$RUNS" --export-json "$WORK/scan.json" \
  -n sbom "$PLINTH sbom $APP -f json" \
  -n "scan, full table" "$PLINTH scan --db $FULL $APP -f json" >/dev/null
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'; }
RSS_SBOM=$(rss "$PLINTH" sbom "$APP" -f json)
RSS_SCAN=$(rss "$PLINTH" scan --db "$FULL" "$APP" -f json)
LEVELS=$("$PLINTH" scan --db "$FULL" "$APP" -f json | python3 -c '
import collections, json, sys
fs = [f for t in json.load(sys.stdin)["targets"] for f in t["findings"]]
print(len(fs), dict(collections.Counter(f["severity"]["source"] for f in fs)))')

# Size per source: each folder alone, and an empty database for the fixed cost.
SIZES="$WORK/sizes.tsv"
: > "$SIZES"
for d in "$V"/*/; do
  name=$(basename "$d")
  if "$PLINTH" db import --db "$WORK/one-$name.redb" "$d" >/dev/null 2>&1; then
    printf '%s\t%s\t%s\n' "$name" "$(du -sb "$d" | cut -f1)" "$(stat -c %s "$WORK/one-$name.redb")" >> "$SIZES"
  else
    printf '%s\t%s\t-\n' "$name" "$(du -sb "$d" | cut -f1)" >> "$SIZES"
  fi
done
printf '%s\t%s\t%s\n' "generated NVD ($N CVEs)" "$NVD_BYTES" "$NVD_DB" >> "$SIZES"

python3 - "$WORK" "$N" "$RUNS" "$IMPORT_S" "$RSS_SBOM" "$RSS_SCAN" "$LEVELS" "$LOOKUP" <<'PY' > bench/results/severity.md
import json, sys
work, n, runs, import_s, rss_sbom, rss_scan, levels, lookup = sys.argv[1:]
r = {x["command"]: x for x in json.load(open(f"{work}/scan.json"))["results"]}
sbom, scan = r["sbom"]["median"], r["scan, full table"]["median"]
print(f"# Severity benchmark ({n} generated CVEs, {runs} runs)\n")
print(f"- import of {n} CVEs as NVD API 2.0 bulk files: {float(import_s):.2f} s")
for line in lookup.splitlines():
    print(f"- {line}")
print(f"- `plinth sbom debian-app -f json`: median {sbom*1e3:.0f} ms, peak RSS {int(rss_sbom)/1024:.0f} MiB")
print(f"- `plinth scan debian-app -f json`, full table: median {scan*1e3:.0f} ms, peak RSS {int(rss_scan)/1024:.0f} MiB")
print(f"- scan / sbom: {scan/sbom:.2f}x; findings and severity sources: {levels}\n")
print("| source (folder) | input bytes | database bytes alone |\n|---|---|---|")
for line in open(f"{work}/sizes.tsv"):
    name, inp, db = line.rstrip("\n").split("\t")
    print(f"| {name} | {int(inp):,} | {db if db == '-' else f'{int(db):,}'} |")
PY
cat bench/results/severity.md
