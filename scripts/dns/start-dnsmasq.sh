#!/usr/bin/env bash
# Starts dnsmasq (Debian's dnsmasq-base) on a loopback port with the Autodiscover test records in
# scripts/dns/autodiscover.conf, and waits until it answers. Prints ADDR:PORT on success.
#   usage: scripts/dns/start-dnsmasq.sh [PORT] [PIDFILE]     (defaults: a free port, /tmp/ewscheck-dnsmasq.pid)
# Without PORT (or with 0) it takes a port the system found free a moment ago, and another one if
# dnsmasq cannot bind it after all: never a fixed port another program may hold.
# Stop it with: kill "$(cat PIDFILE)"
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=${1:-0}
pidfile=${2:-/tmp/ewscheck-dnsmasq.pid}
dnsmasq=$(command -v dnsmasq || true)
[ -n "$dnsmasq" ] || dnsmasq=/usr/sbin/dnsmasq
if [ ! -x "$dnsmasq" ]; then
    echo "start-dnsmasq: dnsmasq is not installed (Debian package dnsmasq-base; scripts/setup.sh installs it)" >&2
    exit 1
fi
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    # KILL, not TERM: a parent that ignores SIGTERM passes that on to dnsmasq.
    kill -9 "$(cat "$pidfile")" && sleep 0.2
fi
user=()
[ "$(id -u)" -eq 0 ] && user=(--user=nobody)
free_port() {
    python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
started=
for _ in 1 2 3 4 5; do
    try_port=$port
    [ "$try_port" -eq 0 ] && try_port=$(free_port)
    if errors=$("$dnsmasq" --conf-file="$here/autodiscover.conf" --no-resolv --no-hosts --no-poll --bind-interfaces \
            --listen-address=127.0.0.1 --port="$try_port" --pid-file="$pidfile" "${user[@]}" --log-facility=/dev/null 2>&1); then
        port=$try_port
        started=1
        break
    fi
    # A port given on the command line is not replaced by another; a chosen one that was taken is.
    if [ "$port" -ne 0 ] || ! grep -q "Address already in use" <<<"$errors"; then
        break
    fi
done
if [ -z "$started" ]; then
    echo "start-dnsmasq: dnsmasq did not start: $errors" >&2
    exit 1
fi
# Wait until it answers an SRV query (a UDP query built in bash would be unreadable: use python3).
for _ in $(seq 50); do
    if python3 - "$port" <<'PY' 2>/dev/null
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
for label in "_autodiscover._tcp.contoso.com".split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", 33, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
data = s.recv(512)
sys.exit(0 if data[:2] == b"\x12\x34" and struct.unpack(">H", data[6:8])[0] >= 1 else 1)
PY
    then
        echo "127.0.0.1:$port"
        exit 0
    fi
    sleep 0.1
done
echo "start-dnsmasq: dnsmasq did not answer on 127.0.0.1:$port" >&2
exit 1
