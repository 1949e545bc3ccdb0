#!/usr/bin/env bash
# The whole test suite: builds the real fixture images and installs the peer tools when
# ../shared is present (both cached across runs), then runs every test of the workspace.
# Tests that need ../shared or the fixtures print "skipped: …" when they are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${PLINTH_SHARED:-../shared}
if [ -d "$SHARED/scripts" ]; then
  bash "$SHARED/scripts/make-images.sh" >&2
  bash "$SHARED/scripts/peers.sh" >/dev/null
else
  echo "test.sh: no $SHARED: conformance tests will be skipped" >&2
fi
# The layer cache of this run only: tests never read or fill the user's own.
export XDG_CACHE_HOME="${PLINTH_TEST_CACHE:-$(mktemp -d "${TMPDIR:-/tmp}/plinth-test-cache.XXXXXX")}"
cargo test --workspace --locked "$@"
