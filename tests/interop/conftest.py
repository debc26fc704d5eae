"""Shared fixtures for the interop tests: the real `ewscheck` binary and its simulator.

Every test here drives the built binary (`.build/debug/ewscheck`) and independent software
(exchangelib, curl, xmllint, check-jsonschema). Nothing imports the Swift code.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO_ROOT.parent / "shared"
EWS_SCHEMA_DIR = SHARED_DIR / "ews-schemas" / "v2017"
JUNIT_XSD = SHARED_DIR / "report-schemas" / "jenkins-xunit-plugin-junit-10.xsd"
REPORT_SCHEMA = REPO_ROOT / "docs" / "report.schema.json"
EWSCHECK = REPO_ROOT / ".build" / "debug" / "ewscheck"

# The simulated tenant, as the contract describes it.
MAILBOXES = ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com", "dave@contoso.com"]
OUT_OF_SCOPE_MAILBOX = "erin@contoso.com"
NONEXISTENT_MAILBOX = "nobody@contoso.com"

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 64

BUILD_TIMEOUT = 30 * 60  # a clean debug build takes 6-8 minutes on 2 cores
READY_TIMEOUT = 30  # the simulator is usually ready in about a second
STOP_GRACE = 5
COMMAND_TIMEOUT = 180  # one conformance run against the simulator


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def describe(result: subprocess.CompletedProcess) -> str:
    """A failure message with what a command printed (tests never pass secrets in argv)."""
    args = " ".join(str(a) for a in result.args)
    return (
        f"`{args}` exited with {result.returncode}\n"
        f"--- stdout (tail) ---\n{tail(result.stdout)}\n--- stderr (tail) ---\n{tail(result.stderr)}"
    )


def run(args, *, timeout: float = COMMAND_TIMEOUT, **kwargs) -> subprocess.CompletedProcess:
    """Runs a command to completion with text output; a command that overruns fails the test."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    try:
        return subprocess.run(
            [str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs
        )
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        pytest.fail(
            f"`{' '.join(str(a) for a in args)}` did not finish within {timeout} s (killed)\n"
            f"--- stdout (tail) ---\n{tail(out)}\n--- stderr (tail) ---\n{tail(err)}",
            pytrace=False,
        )


def load_yaml(path: Path):
    return YAML(typ="safe").load(path.read_text())


def dump_yaml(data, path: Path) -> None:
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    with path.open("w") as f:
        yaml.dump(data, f)


# --------------------------------------------------------------------------------------------
# The binary


@pytest.fixture(scope="session")
def ewscheck() -> Path:
    """The debug `ewscheck` binary, built once if it is missing."""
    if not EWSCHECK.exists():
        result = run(
            ["swift", "build", "--product", "ewscheck"], cwd=REPO_ROOT, timeout=BUILD_TIMEOUT
        )
        if result.returncode != 0 or not EWSCHECK.exists():
            pytest.fail(f"could not build ewscheck:\n{describe(result)}", pytrace=False)
    return EWSCHECK


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    """The EWS schemas from the shared folder (never copied into the repo)."""
    if not (EWS_SCHEMA_DIR / "messages.xsd").is_file():
        pytest.fail(f"EWS schemas not found at {EWS_SCHEMA_DIR}: the shared folder must sit beside the repo")
    return EWS_SCHEMA_DIR


# --------------------------------------------------------------------------------------------
# The simulator


@dataclass
class Simulator:
    """A running `ewscheck simulate` process and what it wrote to its state dir."""

    process: subprocess.Popen
    state_dir: Path
    stdout_path: Path
    stderr_path: Path
    info: dict | None = None

    @property
    def port(self) -> int:
        return self.info["port"]

    @property
    def ca_file(self) -> Path:
        return Path(self.info["ca_file"])

    @property
    def target_file(self) -> Path:
        return Path(self.info["target_file"])

    @property
    def request_log(self) -> Path:
        return Path(self.info["request_log"])

    @property
    def service_account(self) -> dict:
        return self.info["service_account"]

    @property
    def password(self) -> str:
        return Path(self.service_account["password_file"]).read_text()

    @property
    def sign_in_names(self) -> list[str]:
        """The three forms of the service account's name the simulator accepts."""
        account = self.service_account
        return [
            account["username"],
            f"{self.info['netbios_domain']}\\{account['sam_account_name']}",
            account["sam_account_name"],
        ]

    def console_output(self) -> str:
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(errors="replace")

    def requests(self) -> list[dict]:
        """The request log, one dict per request."""
        if not self.request_log.exists():
            return []
        return [json.loads(line) for line in self.request_log.read_text().splitlines() if line.strip()]

    def wait_ready(self) -> None:
        ready_file = self.state_dir / "simulator.json"
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"`ewscheck simulate` exited with {self.process.returncode} before it was ready\n"
                    f"--- output (tail) ---\n{tail(self.console_output())}",
                    pytrace=False,
                )
            if ready_file.exists():
                try:
                    self.info = json.loads(ready_file.read_text())
                    return
                except json.JSONDecodeError:
                    pass  # the write is atomic, but be tolerant of a non-atomic writer
            time.sleep(0.05)
        self.stop()
        pytest.fail(
            f"`ewscheck simulate` wrote no {ready_file} within {READY_TIMEOUT} s\n"
            f"--- output (tail) ---\n{tail(self.console_output())}",
            pytrace=False,
        )

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after a grace period; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_GRACE)
                warnings.warn(f"`ewscheck simulate` ignored SIGTERM for {STOP_GRACE} s and was killed")
        return self.process.returncode


@pytest.fixture(scope="session")
def start_simulator(ewscheck, schema_dir):
    """A factory: `start_simulator(state_dir)` starts `ewscheck simulate` and waits until it is ready.
    Every simulator it started is stopped at the end of the session at the latest."""
    started: list[Simulator] = []

    def start(state_dir: Path, *extra: str) -> Simulator:
        state_dir.mkdir(parents=True, exist_ok=True)
        stdout_path = state_dir.parent / f"{state_dir.name}.stdout"
        stderr_path = state_dir.parent / f"{state_dir.name}.stderr"
        with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
            process = subprocess.Popen(
                [str(ewscheck), "simulate", "--state-dir", str(state_dir), "--schema-dir", str(schema_dir), *extra],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # a Ctrl-C in the terminal reaches pytest, which stops it cleanly
            )
        simulator = Simulator(process, state_dir, stdout_path, stderr_path)
        started.append(simulator)
        simulator.wait_ready()
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture(scope="module")
def simulator(start_simulator, tmp_path_factory) -> Simulator:
    """One simulator shared by the tests of a module."""
    simulator = start_simulator(tmp_path_factory.mktemp("sim") / "state")
    yield simulator
    simulator.stop()


# --------------------------------------------------------------------------------------------
# Running ewscheck


@pytest.fixture(scope="session")
def run_ewscheck(ewscheck):
    """`run_ewscheck(*args)` runs the binary and returns the CompletedProcess (text)."""

    def invoke(*args, timeout: float = COMMAND_TIMEOUT, **kwargs) -> subprocess.CompletedProcess:
        return run([ewscheck, *args], timeout=timeout, **kwargs)

    return invoke


def target_copy(simulator: Simulator, dest: Path, edit) -> Path:
    """Copies the simulator's target file to `dest`, with relative paths made absolute so they still
    point at the simulator's files, after `edit(data)` has changed the parsed YAML in place."""
    source = simulator.target_file
    data = load_yaml(source)
    service_account = data.get("service_account") or {}
    tls = data.get("tls") or {}
    unprivileged = (data.get("negative_controls") or {}).get("unprivileged_account") or {}
    for section, key in ((service_account, "password_file"), (service_account, "client_secret_file"),
                         (service_account, "delegated_token_file"), (unprivileged, "password_file"), (tls, "ca_file")):
        value = section.get(key)
        if isinstance(value, str) and not os.path.isabs(value):
            section[key] = str((source.parent / value).resolve())
    edit(data)
    dump_yaml(data, dest)
    return dest


@pytest.fixture(scope="session")
def python_tool():
    """Path of a console script installed in the venv that runs the tests (e.g. check-jsonschema)."""

    def tool(name: str) -> Path:
        path = Path(sys.executable).parent / name
        if not path.exists():
            pytest.fail(f"{name} is not installed next to {sys.executable}; run scripts/setup.sh")
        return path

    return tool
