"""exchangelib 5.6.0 and ewscheck agree on delivery.filtered-find, on exchange-onprem (Basic, the server
version probed by exchangelib) and exchange-online (app-only OAuth): against a healthy simulator both find
exactly the voicemails they delivered with a FindItem restricted on ItemClass and an extended property, and
against a simulator that refuses restrictions on extended properties (`extended-property-restriction-refused`)
both are refused.

`ewscheck run` judges the check for the first mailbox (it restricts on the run tag); exchangelib delivers two
voicemails and, as distractors, a fax and a voicemail with another value of the product's CallerNumber
property, and filters the Inbox on `item_class` and `caller_number` through its ordinary QuerySet API. The
test fails when the two disagree, naming what each saw.
"""

from __future__ import annotations

import json
import uuid

import pytest
from exchangelib import Message

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# The product's CallerNumber property as an exchangelib ExtendedProperty.
from test_delivery_agreement import CallerNumber
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, refusal, resolve_to_simulator  # noqa: F401

from conftest import MAILBOXES, describe

ALICE = MAILBOXES[0]
CHECK = "delivery.filtered-find"
VOICEMAIL, FAX = "IPM.Note.Microsoft.Voicemail.UM.CA", "IPM.Note.Microsoft.Fax.CA"
CASES = [(flavor, quirk) for flavor in (ON_PREMISES, ONLINE) for quirk in (None, "extended-property-restriction-refused")]


@pytest.fixture(scope="module", autouse=True)
def product_property():
    """CallerNumber as a field of Message, and ItemClass writable (exchangelib marks it read-only; EWS takes it
    in CreateItem, as the product sends it), for this module only."""
    Message.register("caller_number", CallerNumber)
    item_class = Message.get_field_by_fieldname("item_class")
    item_class.is_read_only = False
    yield
    item_class.is_read_only = True
    Message.deregister("caller_number")


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    flavor, quirk = request.param
    extra = (("--flavor", ONLINE) if flavor == ONLINE else ()) + (("--quirk", quirk) if quirk else ())
    sim = start_simulator(tmp_path_factory.mktemp("sim") / "state", *extra)
    sim.case = (flavor, quirk)
    yield sim
    sim.stop()


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    """(outcome, message) of delivery.filtered-find for the first mailbox, run with the CreateItem deliveries
    it finds again (alone it has nothing to find and is skipped)."""
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "find",
                          "--only", f"delivery.voicemail.create-item,delivery.fax.create-item,{CHECK}", "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "find" / "report.json").read_text())
    found = [(r["outcome"], r["message"]) for r in report["results"] if r["id"].split("[")[0] == CHECK]
    assert len(found) == 1, f"{CHECK} ran {len(found)} times: {describe(result)}"
    return found[0]


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{q or 'healthy'}" for f, q in CASES])
def test_filtered_find_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = online_account(simulator, ALICE) if flavor == ONLINE else account_for(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]
    number, other = f"+1425{int(tag, 16) % 10**7:07d}", "+14255550199"
    found = []
    with step("deliver two voicemails, a fax and a voicemail of another caller, then FindItem on ItemClass and CallerNumber"):
        items = [Message(account=account, folder=account.inbox, subject=f"agreement {tag} {n}", body="x",
                         item_class=cls, caller_number=caller, is_read=False)
                 for n, (cls, caller) in enumerate([(VOICEMAIL, number), (VOICEMAIL, number), (FAX, number), (VOICEMAIL, other)])]
        for item in items:
            item.save()
        wanted = {item.id for item in items[:2]}
        try:
            refused = refusal(lambda: found.extend(i.id for i in account.inbox.filter(item_class=VOICEMAIL, caller_number=number).only("id")))
        finally:
            for item in items:
                item.delete()
    exact = refused is None and set(found) == wanted and len(found) == 2
    assert (harness == "passed") == exact, (
        f"{flavor}: ewscheck says {CHECK} {harness} ({message}), exchangelib's FindItem "
        f"{refused or f'found {len(set(found) & wanted)} of the 2 voicemails and {len(set(found) - wanted)} other item(s)'} (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None), f"{flavor} with quirk {quirk}: {harness}: {message}"
    if quirk:
        assert "ErrorUnsupportedPathForQuery" in refused and "ErrorUnsupportedPathForQuery" in message, (refused, message)
