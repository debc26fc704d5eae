"""What the exchangelib agreement tests share: a simulator for each case (flavor, check, quirk)
and the harness's verdict on that case's check."""
from __future__ import annotations

import json

from conftest import describe
from test_policy_block_agreement import ONLINE


def case_simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None); a module fixture yields from this."""
    flavor, check, quirk = request.param
    extra = (("--flavor", ONLINE) if flavor == ONLINE else ()) + (("--quirk", quirk) if quirk else ())
    sim = start_simulator(tmp_path_factory.mktemp("sim") / "state", *extra)
    sim.case = (flavor, check, quirk)
    yield sim
    sim.stop()


def harness_result(simulator, run_ewscheck, tmp_path, run_id: str, mailbox: str) -> tuple[str, str]:
    """(outcome, message) of the case's check for `mailbox`, from a run of that check alone."""
    _, check, _ = simulator.case
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", run_id,
                          "--only", check, "--mailbox", mailbox)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / run_id / "report.json").read_text())
    found = [(r["outcome"], r["message"]) for r in report["results"] if r["id"].split("[")[0] == check]
    assert len(found) == 1, f"{check} ran {len(found)} times: {describe(result)}"
    return found[0]
