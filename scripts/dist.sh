#!/usr/bin/env bash
# Builds a release of ewscheck: dist/ewscheck-VERSION-linux-ARCH.tar.gz (the binary, the Swift runtime it
# links, the built-in provider plugins, docs) and dist/ewscheck_VERSION_ARCH.deb (the same under /opt/ewscheck,
# with /usr/bin/ewscheck). The binaries look for libraries beside themselves ($ORIGIN in their RUNPATH), so
# the tree runs on a Debian machine without the Swift toolchain.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

version=$(sed -n 's/^ *static let version = "\(.*\)"/\1/p' Sources/ewscheck/EWSCheck.swift | head -1)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)
arch=$(uname -m)
debarch=$(dpkg --print-architecture 2>/dev/null || echo amd64)

echo "dist: release build (a clean one takes ~8 minutes on 2 cores)"
scratch=${EWSCHECK_DIST_SCRATCH:-.build}
swift build -c release --scratch-path "$scratch" --product ewscheck >/dev/null
for p in ewscheck-profile-exchange-online ewscheck-profile-exchange-onprem ewscheck-profile-generic-hoster; do
    swift build -c release --scratch-path "$scratch" --product "$p" >/dev/null
done
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

stage=$(mktemp -d "${TMPDIR:-/tmp}/ewscheck-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tree="$stage/ewscheck"
mkdir -p "$tree/bin" "$tree/share/doc/ewscheck"
cp "$bin/ewscheck" "$tree/bin/"
cp "$bin"/libewscheck-profile-*.so "$tree/bin/"
# The Swift runtime the executable and the plugins link, from the toolchain that built them.
for file in "$tree"/bin/*; do
    ldd "$file" | awk '/=> .*\/swift\/linux\// { print $3 }'
done | sort -u | while read -r lib; do cp -L "$lib" "$tree/bin/"; done
printf 'version=%s\ncommit=%s%s\nbuilt=%s\n' "$version" "$commit" "$dirty" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tree/bin/BUILD-INFO"
cp README.md docs/*.md "$tree/share/doc/ewscheck/" 2>/dev/null || true
cp -r docs/ci "$tree/share/doc/ewscheck/"
cp docs/report.schema.json plugins/manifest.schema.json "$tree/share/doc/ewscheck/"
cp -r plugins/abi "$tree/share/doc/ewscheck/plugin-abi"

# The tree must run without the toolchain: no library may still come from it.
if LD_LIBRARY_PATH= ldd "$tree/bin/ewscheck" | grep -q "not found"; then
    echo "dist: the staged binary misses libraries:" >&2
    ldd "$tree/bin/ewscheck" | grep "not found" >&2
    exit 1
fi

mkdir -p dist
tarball="dist/ewscheck-$version-linux-$arch.tar.gz"
tar -C "$stage" -czf "$tarball" ewscheck
echo "dist: $tarball ($(du -h "$tarball" | cut -f1))"

deb="$stage/deb"
mkdir -p "$deb/DEBIAN" "$deb/opt" "$deb/usr/bin"
cp -r "$tree" "$deb/opt/ewscheck"
ln -s /opt/ewscheck/bin/ewscheck "$deb/usr/bin/ewscheck"
cat >"$deb/DEBIAN/control" <<CONTROL
Package: ewscheck
Version: $version
Architecture: $debarch
Maintainer: ewscheck developers <ewscheck@invalid.example>
Depends: libcurl4, libxml2, libstdc++6, libgcc-s1, libc6
Recommends: libgssapi-krb5-2
Section: net
Priority: optional
Description: certify Exchange providers for a contact-center product over EWS
 Runs a conformance suite (discovery, TLS, auth, impersonation, voicemail and
 the contact-center scenarios) against an Exchange hoster, or against its own
 built-in simulated provider, and writes JSON, JUnit, CTRF, HTML and Markdown reports.
CONTROL
debfile="dist/ewscheck_${version}_${debarch}.deb"
dpkg-deb --root-owner-group --build "$deb" "$debfile" >/dev/null
echo "dist: $debfile ($(du -h "$debfile" | cut -f1))"
