"""No password reaches the console, a report or a log, in any form a careless writer would leave it:
plain, JSON- or XML-escaped, or as the `Authorization: Basic` token of any accepted sign-in name.

Failure messages name the form and the file, never the secret itself."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from conftest import EXIT_CHECK_FAILED, EXIT_OK, describe

MIN_SECRET_LENGTH = 8  # shorter strings would match by chance
COMPLETED = (EXIT_OK, EXIT_CHECK_FAILED)  # a run that wrote its reports, whatever it found


def password_files(state_dir: Path) -> list[Path]:
    """Every password file the simulator wrote: the service account's and anything under secrets/."""
    files = set(state_dir.rglob("*.password"))
    secrets_dir = state_dir / "secrets"
    if secrets_dir.is_dir():
        files |= {p for p in secrets_dir.rglob("*") if p.is_file()}
    info_file = state_dir / "simulator.json"
    if info_file.is_file():
        files.add(Path(json.loads(info_file.read_text())["service_account"]["password_file"]))
    return sorted(files)


def sign_in_names(state_dir: Path) -> list[str]:
    info = json.loads((state_dir / "simulator.json").read_text())
    account = info["service_account"]
    sam = account["sam_account_name"]
    return [account["username"], f"{info['netbios_domain']}\\{sam}", sam]


def secret_forms(state_dir: Path) -> list[tuple[str, bytes]]:
    """(description, bytes) for every form of every password in the state dir."""
    forms = []
    files = password_files(state_dir)
    assert files, f"no password files under {state_dir}: nothing to look for"
    names = sign_in_names(state_dir)
    for path in files:
        password = path.read_text()
        assert len(password) >= MIN_SECRET_LENGTH, f"{path.name} holds a password too short to search for"
        label = path.name
        variants = {
            "plain": password,
            "JSON-escaped": json.dumps(password)[1:-1],
            "XML-escaped": escape(password, {'"': "&quot;", "'": "&apos;"}),
        }
        for form, text in variants.items():
            forms.append((f"{label} ({form})", text.encode()))
        for name in names:
            token = base64.b64encode(f"{name}:{password}".encode())
            forms.append((f"{label} (Basic token for {name})", token))
    return forms


def leaks(forms, sources: dict[str, bytes]) -> list[str]:
    return [f"{what} found in {where}" for where, data in sources.items() for what, secret in forms if secret in data]


def files_under(directory: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file() and not p.is_symlink()}


def test_demo_leaks_no_password(run_ewscheck, tmp_path):
    reports, state = tmp_path / "reports", tmp_path / "state"
    result = run_ewscheck("demo", "--reports-dir", reports, "--state-dir", state)
    assert result.returncode in COMPLETED, describe(result)
    assert reports.is_dir() and any(reports.rglob("report.json")), "the demo wrote no report"

    sources = {"stdout": result.stdout.encode(), "stderr": result.stderr.encode()} | files_under(reports)
    request_log = state / "requests.jsonl"
    if request_log.exists():
        sources[str(request_log)] = request_log.read_bytes()
    found = leaks(secret_forms(state), sources)
    assert not found, "secrets leaked:\n" + "\n".join(found)


def test_run_against_simulator_leaks_no_password(simulator, run_ewscheck, tmp_path):
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports)
    assert result.returncode in COMPLETED, describe(result)
    assert any(reports.rglob("report.json")), "the run wrote no report"

    sources = {
        "stdout": result.stdout.encode(),
        "stderr": result.stderr.encode(),
        "simulator console": simulator.console_output().encode(),
        str(simulator.request_log): simulator.request_log.read_bytes(),
    } | files_under(reports)
    found = leaks(secret_forms(simulator.state_dir), sources)
    assert not found, "secrets leaked:\n" + "\n".join(found)
