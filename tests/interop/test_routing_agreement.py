"""exchangelib 5.6.0 and ewscheck agree on routing.send-and-save-copy and routing.copy, on exchange-onprem
(Basic, the server version probed by exchangelib) and exchange-online (app-only OAuth): against a healthy
simulator both see a message sent between mailboxes arrive with a copy in Sent Items, and an item copied
into another folder stay where it was; against a simulator with the check's quirk (`sent-copy-not-saved`,
`copy-item-moves-original`) both see the defect.

`ewscheck run` judges one check; exchangelib performs the same operation through its ordinary API
(`Message.send_and_save`, `Item.copy`). The test fails when the two disagree, naming what each saw.
"""

from __future__ import annotations

import json
import uuid

import pytest
from exchangelib import Message
from exchangelib.errors import ErrorItemNotFound
from exchangelib.folders import FolderCollection

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Folders created without exchangelib's hierarchy cache (see there).
from test_contact_center_agreement import create_folder, delete_folder
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, resolve_to_simulator  # noqa: F401

from agreement_support import case_simulator
from conftest import MAILBOXES, describe

ALICE, BOB = MAILBOXES[0], MAILBOXES[1]
QUIRKS = {
    "routing.send-and-save-copy": "sent-copy-not-saved",
    "routing.copy": "copy-item-moves-original",
}
CASES = [(flavor, check, quirk) for flavor in (ON_PREMISES, ONLINE) for check in QUIRKS for quirk in (None, QUIRKS[check])]


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    yield from case_simulator(request, start_simulator, tmp_path_factory)


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    """(outcome, message) of the case's check; routing.send-and-save-copy sends between the target's first
    two mailboxes, so it runs with all of them."""
    _, check, _ = simulator.case
    reports = tmp_path / "reports"
    only_alice = () if check == "routing.send-and-save-copy" else ("--mailbox", ALICE)
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "routing",
                          "--only", check, *only_alice)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "routing" / "report.json").read_text())
    found = [(r["outcome"], r["message"]) for r in report["results"] if r["id"].split("[")[0] == check]
    assert len(found) == 1, f"{check} ran {len(found)} times: {describe(result)}"
    return found[0]


def observe_send_and_save_copy(simulator, account_of, step) -> tuple[bool, str]:
    alice, bob = account_of(simulator, ALICE), account_of(simulator, BOB)
    subject = f"agreement send {uuid.uuid4().hex[:8]}"
    with step(f"send a message from {ALICE} to {BOB} with SendAndSaveCopy, look for it in Bob's Inbox and Alice's Sent Items"):
        Message(account=alice, folder=alice.sent, subject=subject, body="x", to_recipients=[BOB]).send_and_save()
        received = list(bob.inbox.filter(subject=subject))
        sent = list(alice.sent.filter(subject=subject))
        for item in received + sent:
            item.delete()
    return (len(received) == 1 and len(sent) == 1), f"{len(received)} in Bob's Inbox, {len(sent)} in Alice's Sent Items"


def observe_copy(simulator, account_of, step) -> tuple[bool, str]:
    account = account_of(simulator, ALICE)
    subject = f"agreement copy {uuid.uuid4().hex[:8]}"
    with step("copy a message from the Inbox into a new folder (CopyItem), then look for the original and the copy"):
        folder = create_folder(account, subject)
        try:
            item = Message(account=account, folder=account.inbox, subject=subject, body="x")
            item.save()
            original = (item.id, item.changekey)
            item.copy(folder)
            [found] = account.fetch(ids=[original])
            original_kept = not isinstance(found, ErrorItemNotFound)
            copies = list(FolderCollection(account=account, folders=[folder]).filter(subject=subject))
            for left in ([found] if original_kept else []) + copies:
                left.delete()
        finally:
            delete_folder(account, folder)
    return (original_kept and len(copies) == 1), f"the original {'kept' if original_kept else 'gone'}, {len(copies)} item(s) in the new folder"


OBSERVE = {
    "routing.send-and-save-copy": observe_send_and_save_copy,
    "routing.copy": observe_copy,
}


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{c}-{q or 'healthy'}" for f, c, q in CASES])
def test_routing_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, check, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    works, seen = OBSERVE[check](simulator, online_account if flavor == ONLINE else account_for, step)
    assert (harness == "passed") == works, (
        f"{flavor}: ewscheck says {check} {harness} ({message}), exchangelib saw {seen} (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None), f"{flavor} {check} with quirk {quirk}: {harness}: {message}"
