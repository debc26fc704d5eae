#!/usr/bin/env bash
# Installs what building and testing ewscheck needs, and nothing when it is already there.
#   1. Debian packages (C headers for libcurl/libxml2, xmllint, curl, python3-venv, dnsmasq for DNS SRV tests).
#   2. A Python venv at .venv with scripts/requirements-dev.txt, reinstalled only when that file changes.
# Quiet on success; on failure it says what failed and shows the tool's own output.
# Environment: PYTHON picks the interpreter for the venv (default: python3).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements="$root/scripts/requirements-dev.txt"
venv="$root/.venv"
stamp="$venv/.requirements-dev.sha256"
python=${PYTHON:-python3}
# dnsmasq-base: the DNS server the SRV discovery tests query (binary only, no system service).
# chromium: renders report.html headless in tests/interop/test_report_formats.py.
# krb5-kdc, krb5-admin-server, krb5-user: the throwaway MIT KDC of the Negotiate tests; libkrb5-dev: GSS-API headers (CEWSGSS).
# apache2, libapache2-mod-auth-gssapi: an independent GSS-API web server in front of the simulator.
# davmail-server: an independent IMAP-to-EWS gateway (tests/interop/test_davmail.py).
# openssl: the certificates of the hostile provider (tests/interop/hostile_server.py).
# libssl-dev: OpenSSL headers for CEWSCurl (the negotiated TLS protocol and cipher of libcurl's session).
apt_packages=(libcurl4-openssl-dev libssl-dev libxml2-dev libjson-c-dev pkg-config libxml2-utils python3-venv curl dnsmasq-base chromium
    krb5-kdc krb5-admin-server krb5-user libkrb5-dev apache2 libapache2-mod-auth-gssapi davmail-server openssl
    time)  # GNU time: make bench reads the peak RSS of each measured client from it

log=$(mktemp "${TMPDIR:-/tmp}/ewscheck-setup.XXXXXX")
trap 'rm -f "$log"' EXIT

die() {
    printf 'setup: %s\n' "$1" >&2
    if [ -s "$log" ]; then
        printf -- '--- output ---\n' >&2
        tail -n 40 "$log" >&2
    fi
    exit 1
}

# Runs a command with its output kept in the log, shown only if it fails.
quietly() {
    local what=$1
    shift
    "$@" >"$log" 2>&1 || die "$what failed: $*"
}

# --- 1. Debian packages -------------------------------------------------------------------------
missing=()
for package in "${apt_packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        printf 'setup: missing Debian packages: %s\n' "${missing[*]}" >&2
        printf 'setup: run this as root, then run setup again:\n' >&2
        printf '  sudo apt-get update && sudo apt-get install -y %s\n' "${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    quietly "apt-get update" apt-get update
    quietly "apt-get install" apt-get install -y --no-install-recommends "${missing[@]}"
fi

command -v swift >/dev/null 2>&1 ||
    printf 'setup: warning: swift is not on PATH; `swift build` and `swift test` will fail\n' >&2

# --- 2. Python venv -----------------------------------------------------------------------------
command -v "$python" >/dev/null 2>&1 || die "no Python interpreter '$python' on PATH (set PYTHON=...)"

# A venv whose interpreter no longer runs (its base Python was removed or upgraded) is rebuilt.
if [ -d "$venv" ] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
    rm -f "$stamp"
    quietly "creating the venv at $venv" "$python" -m venv "$venv"
fi

# The stamp holds the hash of the requirements and the venv's Python version: pip runs only when either changed.
wanted=$( { sha256sum <"$requirements"; "$venv/bin/python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
    quietly "pip install -r scripts/requirements-dev.txt" \
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
    printf '%s\n' "$wanted" >"$stamp"
fi
