#!/usr/bin/env bash
# Secrets benchmark (release build), peers in the same run:
#  1. `plinth scan --scanners secret` on debian-app against `plinth sbom` on it (goal ≤ 1.5×);
#  2. `plinth secrets dir:TREE` on a generated 1 GB source tree (bench/make-source-tree.py)
#     against `rg` searching the same tree for one built-in pattern (AWS access key ids), with
#     ignore files off and hidden files on, so both read every file (goal: at least as fast).
# Median wall time (hyperfine, else a loop of timed runs) and peak RSS (/usr/bin/time -v).
# Writes bench/results/secrets.md.
#
# Usage: bench/secrets.sh [RUNS]   (default 5; needs /usr/bin/time, python3, rg, the fixtures)
# Honours CARGO_TARGET_DIR, PLINTH_FIXTURES, SECRETS_TREE (default /var/tmp/plinth-secrets-bench/tree).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
FIX="${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}"
APP="$FIX/debian-app.docker.tar"
TREE="${SECRETS_TREE:-/var/tmp/plinth-secrets-bench/tree}"
[ -f "$APP" ] || { echo "secrets.sh: no $APP (run make-images.sh)" >&2; exit 1; }
command -v rg >/dev/null || { echo "secrets.sh: no rg (apt-get install ripgrep)" >&2; exit 1; }
[ -d "$TREE" ] || python3 bench/make-source-tree.py "$TREE" 1024

cargo build --release -q -p plinth-cli
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$(pwd)/$TARGET" ;; esac
PLINTH="$TARGET/release/plinth"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plinth-secrets-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Median wall time; with hyperfine also mean user+system CPU seconds ("WALL CPU"), which
# say more than wall time on a loaded machine. Arguments are quoted for hyperfine's own
# word splitting (a bare `\b` in a regex would lose its backslash).
median() {
  if command -v hyperfine >/dev/null; then
    hyperfine -N -i -w 1 -r "$RUNS" --export-json "$WORK/h.json" "$(printf '%q ' "$@")" >/dev/null 2>&1
    python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]; print("%.3f %.3f" % (r["median"], r["user"] + r["system"]))' "$WORK/h.json"
  else
    "$@" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
      s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
      echo "$e - $s" | bc
    done | sort -n | awk '{a[NR]=$1} END {printf "%.3f -\n", a[int((NR+1)/2)]}'
  fi
}
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'; }

AWS='\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b'
# --no-cache: sbom would take a warm run's layers from the cache; secret scans never do.
T_SEC=$(median "$PLINTH" --no-cache scan --scanners secret "$APP" -f json -o "$WORK/sec.json")
M_SEC=$(rss "$PLINTH" --no-cache scan --scanners secret "$APP" -f json -o "$WORK/sec.json")
T_SBOM=$(median "$PLINTH" --no-cache sbom "$APP" -f json -o "$WORK/sbom.json")
M_SBOM=$(rss "$PLINTH" --no-cache sbom "$APP" -f json -o "$WORK/sbom.json")
N_SEC=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["targets"][0]["findings"]))' "$WORK/sec.json")
T_TREE=$(median "$PLINTH" secrets "dir:$TREE" -f json -o "$WORK/tree.json")
M_TREE=$(rss "$PLINTH" secrets "dir:$TREE" -f json -o "$WORK/tree.json")
N_TREE=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["targets"][0]["findings"]))' "$WORK/tree.json")
T_RG=$(median rg --no-ignore --hidden -c -e "$AWS" "$TREE")
M_RG=$(rss rg --no-ignore --hidden -c -e "$AWS" "$TREE")
T_RG1=$(median rg -j1 --no-ignore --hidden -c -e "$AWS" "$TREE")
N_RG=$(rg --no-ignore --hidden -c -e "$AWS" "$TREE" | awk -F: '{s+=$2} END {print s+0}')
SIZE_TREE=$(du -sm "$TREE" | cut -f1)
RG_V=$(rg --version | head -1)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$T_SEC" "$M_SEC" "$T_SBOM" "$M_SBOM" "$N_SEC" "$T_TREE" "$M_TREE" "$N_TREE" "$T_RG" "$M_RG" \
  "$T_RG1" "$N_RG" "$SIZE_TREE" "$RG_V" "$(nproc)" "$(date -u +%F)" "$LOAD" <<'PY' > bench/results/secrets.md
import sys
(t_sec, m_sec, t_sbom, m_sbom, n_sec, t_tree, m_tree, n_tree, t_rg, m_rg, t_rg1, n_rg, size,
 rg_v, cpus, day, load) = sys.argv[1:]
mb = lambda kb: "%.0f MB" % (int(kb) / 1024)
wall = lambda t: float(t.split()[0])
cpu = lambda t: t.split()[1] + " s" if t.split()[1] != "-" else "—"
print("# Secrets benchmark\n")
print(f"Run {day} on {cpus} CPUs by `bench/secrets.sh` (release build; load average at the end: {load}).\n")
print("| command | input | findings | median wall | mean CPU (user+sys) | peak RSS |")
print("|---|---|---|---|---|---|")
print(f"| `plinth --no-cache scan --scanners secret -f json` | debian-app.docker.tar | {n_sec} | {wall(t_sec):.3f} s | {cpu(t_sec)} | {mb(m_sec)} |")
print(f"| `plinth --no-cache sbom -f json` | debian-app.docker.tar | — | {wall(t_sbom):.3f} s | {cpu(t_sbom)} | {mb(m_sbom)} |")
print(f"| `plinth secrets dir: -f json` (all built-in rules) | generated tree, {size} MB | {n_tree} | {wall(t_tree):.3f} s | {cpu(t_tree)} | {mb(m_tree)} |")
print(f"| `rg --no-ignore --hidden -c AWS-KEY-REGEX` ({rg_v}) | same tree | {n_rg} lines | {wall(t_rg):.3f} s | {cpu(t_rg)} | {mb(m_rg)} |")
print(f"| `rg -j1 …` (one thread) | same tree | {n_rg} lines | {wall(t_rg1):.3f} s | {cpu(t_rg1)} | — |")
print()
r = wall(t_sec) / wall(t_sbom)
print(f"- secret scan / sbom on debian-app: **{r:.2f}×** (goal ≤ 1.5×: {'met' if r <= 1.5 else 'missed'}).")
r = wall(t_rg) / wall(t_tree)
print(f"- 1 GB tree: rg / plinth = **{r:.2f}×** (goal ≥ 1: {'met' if r >= 1 else 'missed'}); "
      f"against one-thread rg {wall(t_rg1) / wall(t_tree):.2f}×.")
PY
cat bench/results/secrets.md
