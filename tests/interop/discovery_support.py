"""Fixtures shared by the Autodiscover interop tests: a real DNS server (dnsmasq), `ewscheck simulate`
in a chosen Autodiscover layout, and the plumbing that lets independent clients reach it by its real
names on ports 443 and 80 without root or /etc/hosts edits.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import urllib3.util.connection

from conftest import REPO_ROOT, Simulator, describe, run

START_DNSMASQ = REPO_ROOT / "scripts" / "dns" / "start-dnsmasq.sh"
NAMES = ["contoso.com", "autodiscover.contoso.com", "mail.contoso.com", "autodiscover.fabrikam.example"]
EWS_URL = "https://mail.contoso.com/EWS/Exchange.asmx"


@pytest.fixture(scope="session")
def dns_server():
    """(address, port) of a real DNS server with scripts/dns/autodiscover.conf: the one .ci/run started
    (EWSCHECK_DNS_SERVER), else a dnsmasq started here. Never skipped: without dnsmasq this fails."""
    given = os.environ.get("EWSCHECK_DNS_SERVER")
    if given:
        host, _, port = given.rpartition(":")
        yield host, int(port)
        return
    pidfile = Path(tempfile.mkdtemp(prefix="ewscheck-dns-")) / "dnsmasq.pid"
    port = random.randint(40000, 59999)
    result = run(["bash", START_DNSMASQ, port, pidfile], timeout=30)
    if result.returncode != 0:
        pytest.fail(
            "the DNS SRV tests need dnsmasq (Debian package dnsmasq-base, installed by scripts/setup.sh):\n"
            + describe(result),
            pytrace=False,
        )
    yield "127.0.0.1", port
    with contextlib.suppress(Exception):
        os.kill(int(pidfile.read_text().strip()), 9)


@pytest.fixture(scope="session")
def start_layout(ewscheck, schema_dir, tmp_path_factory):
    """`start_layout(layout)` starts `ewscheck simulate --autodiscover-layout LAYOUT`; all are stopped at the end."""
    started: list[Simulator] = []

    def start(layout: str) -> Simulator:
        state_dir = tmp_path_factory.mktemp(f"sim-{layout}") / "state"
        state_dir.mkdir(parents=True)
        out = state_dir.parent / "simulate.stdout"
        err = state_dir.parent / "simulate.stderr"
        with out.open("wb") as o, err.open("wb") as e:
            process = subprocess.Popen(
                [str(ewscheck), "simulate", "--state-dir", str(state_dir), "--schema-dir", str(schema_dir),
                 "--autodiscover-layout", layout],
                stdin=subprocess.DEVNULL, stdout=o, stderr=e, start_new_session=True,
            )
        simulator = Simulator(process, state_dir, out, err)
        started.append(simulator)
        simulator.wait_ready()
        assert simulator.info["autodiscover_layout"] == layout
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


def connect_to_arguments(simulator: Simulator) -> list[str]:
    """ewscheck's curl-style pins: every simulated name on 443 and 80 to the simulator's loopback ports."""
    args = []
    for name in NAMES:
        args += ["--connect-to", f"{name}:443:127.0.0.1:{simulator.port}"]
        args += ["--connect-to", f"{name}:80:127.0.0.1:{simulator.info['http_port']}"]
    return args


def discover_json(run_ewscheck, simulator: Simulator, address: str, *extra: str) -> dict:
    """`ewscheck discover --json` against the simulator, as the service account."""
    result = run_ewscheck(
        "discover", address, "--json", "--username", simulator.service_account["username"],
        "--password-file", simulator.service_account["password_file"], "--auth", "basic",
        "--ca-file", simulator.ca_file, *connect_to_arguments(simulator), *extra,
    )
    assert result.returncode in (0, 1), describe(result)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"ewscheck discover --json printed no JSON\n{describe(result)}", pytrace=False)


@contextlib.contextmanager
def names_to_simulator(simulator: Simulator):
    """Sends urllib3's connections for the simulated names to the simulator's ports (443 → TLS port,
    80 → plain-HTTP port), the way curl's --connect-to does; TLS still checks the real names."""
    original = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        host, port = address
        if host in NAMES:
            port = simulator.port if port == 443 else simulator.info["http_port"] if port == 80 else port
            host = "127.0.0.1"
        return original((host, port), *args, **kwargs)

    urllib3.util.connection.create_connection = create_connection
    try:
        yield
    finally:
        urllib3.util.connection.create_connection = original


def credentials_over_http(simulator: Simulator) -> list[dict]:
    """Requests the simulator received over plain HTTP that carried an Authorization header."""
    return [r for r in simulator.requests() if not r["tls"] and r.get("auth_scheme")]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
