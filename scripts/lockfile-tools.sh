#!/usr/bin/env bash
# The package managers whose lockfiles crates/cli/tests/lockfiles/ writes at test time:
# poetry, pip-tools, uv and pipenv from PyPI into a venv; yarn classic, yarn Berry and pnpm
# from the npm registry, each into its own prefix (both yarns name their program `yarn`).
# Usage: lockfile-tools.sh   (into $PLINTH_TOOLS, default /var/tmp/plinth-tools; kept
# across runs, so a second run only checks). Prints the directory.
set -euo pipefail
T=${PLINTH_TOOLS:-/var/tmp/plinth-tools}
mkdir -p "$T"
if ! [ -x "$T/py/bin/poetry" ] || ! [ -x "$T/py/bin/pip-compile" ] || ! [ -x "$T/py/bin/uv" ] \
  || ! [ -x "$T/py/bin/pipenv" ]; then
  python3 -m venv "$T/py"
  "$T/py/bin/pip" install -q poetry pip-tools uv pipenv >&2
fi
for tool in yarn1:yarn@1:yarn berry:@yarnpkg/cli-dist@4:yarn pnpm:pnpm:pnpm; do
  IFS=: read -r dir spec program <<<"$tool"
  [ -x "$T/npm/$dir/node_modules/.bin/$program" ] ||
    npm install -q --no-audit --no-fund --prefix "$T/npm/$dir" "$spec" >&2
done
echo "$T"
