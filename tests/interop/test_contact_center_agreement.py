"""exchangelib 5.6.0 and ewscheck agree on the contact-center checks: against a healthy simulator both
see the operation work, and against a simulator with a quirk both see the same deviation.

For each simulator, `ewscheck run` judges one check and exchangelib performs the same operation through
its ordinary API; the test fails when the two disagree, naming what each saw.
"""

from __future__ import annotations

import json
import uuid

import pytest
from exchangelib import Folder, Message
from exchangelib.errors import ErrorItemNotFound

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for

from conftest import MAILBOXES, describe

ALICE = MAILBOXES[0]

@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator for one case: (the ewscheck check judged, the quirk or None for a healthy one)."""
    check, quirk = request.param
    extra = ("--quirk", quirk) if quirk else ()
    sim = start_simulator(tmp_path_factory.mktemp("sim") / "state", *extra)
    sim.case = (check, quirk)
    yield sim
    sim.stop()


def harness_outcome(simulator, run_ewscheck, tmp_path) -> str:
    """What `ewscheck run` says about the case's check for the first mailbox."""
    check, _ = simulator.case
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "agreement",
                          "--only", check, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "agreement" / "report.json").read_text())
    outcomes = [r["outcome"] for r in report["results"] if r["id"] == check]
    assert len(outcomes) == 1, f"{check} ran {len(outcomes)} times: {describe(result)}"
    return outcomes[0]


@pytest.mark.parametrize("simulator", [("message-waiting.read-clears", None), ("message-waiting.read-clears", "read-flag-update-ignored")],
                         indirect=True, ids=["healthy", "read-flag-update-ignored"])
def test_read_flag_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    check, quirk = simulator.case
    harness = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = account_for(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]
    with step("create an unread voicemail, mark it read and read the flag back"):
        item = Message(account=account, folder=account.inbox, subject=f"agreement {tag}", body="x",
                       item_class="IPM.Note.Microsoft.Voicemail.UM.CA", is_read=False)
        item.save()
        item.is_read = True
        item.save(update_fields=["is_read"])
        stored = account.inbox.get(id=item.id).is_read
        item.delete()
    assert (harness == "passed") == (stored is True), (
        f"ewscheck says {check} {harness}, exchangelib read back is_read={stored} after setting it (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None)


@pytest.mark.parametrize("simulator", [("routing.move", None), ("routing.move", "move-item-keeps-original")],
                         indirect=True, ids=["healthy", "move-item-keeps-original"])
def test_move_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    check, quirk = simulator.case
    harness = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = account_for(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]
    with step("move a message into a new folder and look for the original"):
        folder = Folder(parent=account.inbox, name=f"agreement {tag}")
        folder.save()
        item = Message(account=account, folder=account.inbox, subject=f"agreement {tag}", body="x")
        item.save()
        original = (item.id, item.changekey)
        item.move(folder)
        found = list(account.fetch(ids=[original]))
        original_gone = isinstance(found[0], ErrorItemNotFound)
        if not original_gone:
            found[0].delete()
        folder.delete()
    assert (harness == "passed") == original_gone, (
        f"ewscheck says {check} {harness}, exchangelib found the original {'gone' if original_gone else 'still there'} after MoveItem (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None)
