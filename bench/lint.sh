#!/usr/bin/env bash
# Benchmarks `plinth lint` against hadolint on the lint corpus (one invocation, all files)
# and on 1,000 Dockerfiles (the corpus copied round-robin), with hyperfine for wall time
# and /usr/bin/time -v for peak RSS. Writes bench/results/lint.md.
#
#   bench/lint.sh            # builds plinth in release mode first
#   HADOLINT=/path/hadolint PLINTH=target/release/plinth bench/lint.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
hadolint="${HADOLINT:-/var/tmp/plinth-peers/bin/hadolint}"
plinth="${PLINTH:-$root/target/release/plinth}"
out="$root/bench/results/lint.md"
corpus="$root/crates/lint/tests/corpus"

if [[ -z "${PLINTH:-}" ]]; then
  cargo build --release -p plinth-cli >&2
fi
command -v hyperfine >/dev/null || { echo "bench/lint.sh: hyperfine not installed (apt-get install hyperfine)" >&2; exit 2; }
[[ -x "$hadolint" ]] || { echo "bench/lint.sh: hadolint not found at $hadolint" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1,000 Dockerfiles: the corpus files, copied round-robin under distinct names.
mkdir -p "$work/k"
mapfile -t files < <(ls "$corpus"/*.Dockerfile | sort)
for i in $(seq 0 999); do
  cp "${files[$((i % ${#files[@]}))]}" "$work/k/$(printf '%04d' "$i").Dockerfile"
done
n_corpus=${#files[@]}

# Both tools run with defaults, no config file, and never fail on findings.
cd "$work"
plinth_corpus=("$plinth" lint -f json -t none "${files[@]}")
hadolint_corpus=("$hadolint" -f json --no-fail "${files[@]}")
plinth_k=(sh -c "'$plinth' lint -f json -t none k/*.Dockerfile")
hadolint_k=(sh -c "'$hadolint' -f json --no-fail k/*.Dockerfile")

q() { printf '%q ' "$@"; }

hyperfine --warmup 2 --min-runs 10 -N --export-json "$work/corpus.json" \
  -n "plinth lint (corpus, $n_corpus files)" "$(q "${plinth_corpus[@]}")" \
  -n "hadolint (corpus, $n_corpus files)" "$(q "${hadolint_corpus[@]}")" >&2
hyperfine --warmup 1 --min-runs 5 --export-json "$work/k.json" \
  -n "plinth lint (1,000 files)" "$(q "${plinth_k[@]}")" \
  -n "hadolint (1,000 files)" "$(q "${hadolint_k[@]}")" >&2

# A 10 MB Dockerfile: ~85,000 realistic RUN + WORKDIR pairs, one run each (hadolint is
# stopped after 120 s).
python3 - "$work/big.Dockerfile" <<'PY'
import sys
block = ("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends curl; "
         "rm -rf /var/lib/apt/lists/*\nWORKDIR /srv\n")
text = "FROM debian:12-slim\nUSER nobody\n" + block * (10 * 1024 * 1024 // len(block))
open(sys.argv[1], "w").write(text)
PY
once() { /usr/bin/time -f '%e s, %M KiB' -o "$work/time.txt" timeout 120 "$@" >/dev/null 2>&1 || true; tail -1 "$work/time.txt"; }
big_p=$(once "$plinth" lint -f json -t none "$work/big.Dockerfile")
big_h=$(once "$hadolint" -f json --no-fail "$work/big.Dockerfile")
[[ "$big_h" == 120.* || "$big_h" == 119.* ]] && big_h="not finished after 120 s"

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
rss_p_c=$(rss "${plinth_corpus[@]}")
rss_h_c=$(rss "${hadolint_corpus[@]}")
rss_p_k=$(rss "${plinth_k[@]}")
rss_h_k=$(rss "${hadolint_k[@]}")

median() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; print(r['median'])" "$1" "$2"; }
mp_c=$(median "$work/corpus.json" 0); mh_c=$(median "$work/corpus.json" 1)
mp_k=$(median "$work/k.json" 0); mh_k=$(median "$work/k.json" 1)
ms() { python3 -c "print(f'{float(\"$1\")*1000:.1f} ms')"; }
ratio() { python3 -c "print(f'{float(\"$2\")/float(\"$1\"):.0f}x')"; }

{
  echo "## plinth lint vs hadolint"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores; plinth $("$plinth" --version | awk '{print $2}') (release build),"
  echo "$("$hadolint" --version). Both lint every file in one invocation with default rules and"
  echo "JSON output (\`plinth lint -f json -t none FILES\`, \`hadolint -f json --no-fail FILES\`)."
  echo "Wall time is hyperfine's median; peak RSS from \`/usr/bin/time -v\`. Reproduce with \`bench/lint.sh\`."
  echo
  echo "| input | plinth lint | hadolint | plinth faster by |"
  echo "|---|---|---|---|"
  echo "| lint corpus ($n_corpus Dockerfiles) | $(ms "$mp_c"), ${rss_p_c} KiB | $(ms "$mh_c"), ${rss_h_c} KiB | $(ratio "$mp_c" "$mh_c") |"
  echo "| 1,000 Dockerfiles (corpus round-robin) | $(ms "$mp_k"), ${rss_p_k} KiB | $(ms "$mh_k"), ${rss_h_k} KiB | $(ratio "$mp_k" "$mh_k") |"
  echo "| one 10 MB Dockerfile (85k RUN + 85k WORKDIR; single run) | $big_p | $big_h | |"
  echo
  echo "The 1,000-file rows run through \`sh -c\` to expand the glob (under 1 ms of overhead)."
} > "$out"
cat "$out"
