#!/bin/sh
# Copies real seeds into corpus directories outside the repository (../shared is never
# committed): `fuzz/seed.sh [CORPUS]`, CORPUS defaulting to /var/tmp/plinth-fuzz/corpus.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../shared" && pwd)
fixtures=${PLINTH_FIXTURES:-/var/tmp/plinth-fixtures}
corpus=${1:-/var/tmp/plinth-fuzz/corpus}
mkdir -p "$corpus/feed" "$corpus/image" "$corpus/sbom" "$corpus/policy"

# Each file under its content's hash, so reruns add nothing twice.
put() { cp "$2" "$corpus/$1/$(sha1sum "$2" | cut -c1-16)"; }

find "$shared/fixtures/vulndata" -type f ! -name SOURCE | while read -r f; do put feed "$f"; done
find "$shared/fixtures/os" -type f -path '*/etc/*' | while read -r f; do put policy "$f"; done

# Image archives: the small edge-case image in every flavour, and rootfs tarballs of a tiny tree
# plain and gzip/zstd/xz compressed.
for f in edge-cases.oci.tar edge-cases.docker.tar edge-cases.docker.tar.gz; do
    [ -f "$fixtures/$f" ] && put image "$fixtures/$f"
done
tree=$(mktemp -d)
mkdir -p "$tree/etc" "$tree/lib/apk/db"
cp "$shared/fixtures/os/alpine-3.23/etc/os-release" "$tree/etc/"
printf 'P:musl\nV:1.2.5-r0\n\n' >"$tree/lib/apk/db/installed"
ln -s ../etc/os-release "$tree/lib/os-release"
tar -C "$tree" -cf "$tree.tar" .
put image "$tree.tar"
for z in gzip zstd xz; do "$z" -c "$tree.tar" >"$tree.tar.$z" && put image "$tree.tar.$z"; done
rm -rf "$tree" "$tree.tar"*

# SBOMs of a fixture image: Syft's JSON, and plinth's own formats when a plinth binary is built.
image="$fixtures/alpine-3.20.oci.tar"
syft=${PLINTH_SYFT:-/var/tmp/plinth-peers/bin/syft}
out=$(mktemp)
if [ -x "$syft" ] && [ -f "$image" ]; then
    "$syft" -q -o syft-json "oci-archive:$image" >"$out" && put sbom "$out"
fi
plinth="$here/../target/debug/plinth"
if [ -x "$plinth" ] && [ -f "$image" ]; then
    for f in json cyclonedx-json spdx-json; do
        "$plinth" sbom -f "$f" "$image" >"$out" && put sbom "$out"
    done
fi
rm -f "$out"
for t in feed image sbom policy; do echo "$t: $(ls "$corpus/$t" | wc -l) seeds"; done
