"""exchangelib 5.6.0 and ewscheck agree on delivery.voicemail.create-item and delivery.fax.create-item, on
both flavors the product is certified against (exchange-onprem with Basic, exchange-online with app-only
OAuth): against a healthy simulator both read back what they delivered, and against a simulator whose store
drops the product's extended properties (`product-properties-dropped`) both see the caller number lost.

`ewscheck run` judges one check for the first mailbox; exchangelib creates the same item through its ordinary
API (a Message of the voicemail or fax class, its ItemClass field made writable, From the gateway, a FileAttachment, the product's CallerNumber
and DurationSeconds properties registered as exchangelib ExtendedProperty classes), reads it back with GetItem
and compares field by field. The test fails when the two disagree, naming what each saw.
"""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from exchangelib import FileAttachment, Mailbox, Message
from exchangelib.extended_properties import ExtendedProperty

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
# Both flavors' accounts, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, onprem_account, resolve_to_simulator  # noqa: F401

from agreement_support import case_simulator
from conftest import MAILBOXES, describe

ALICE = MAILBOXES[0]
# ProductProperties.swift: the product's own property set.
PROPERTY_SET = "c0f5e1a4-2f6b-4d3e-8b7a-91d2e4c6a8f0"
KINDS = {
    "delivery.voicemail.create-item": ("IPM.Note.Microsoft.Voicemail.UM.CA", "voicemail.wav", "voicemail-gateway@ewscheck.invalid"),
    "delivery.fax.create-item": ("IPM.Note.Microsoft.Fax.CA", "fax.tif", "fax-gateway@ewscheck.invalid"),
}
CASES = [(flavor, check, quirk) for flavor in (ON_PREMISES, ONLINE) for check in KINDS for quirk in (None, "product-properties-dropped")]


class CallerNumber(ExtendedProperty):
    property_set_id = PROPERTY_SET
    property_name = "CallerNumber"
    property_type = "String"


class DurationSeconds(ExtendedProperty):
    property_set_id = PROPERTY_SET
    property_name = "DurationSeconds"
    property_type = "Integer"


@pytest.fixture(scope="module", autouse=True)
def product_properties():
    """The product's properties as exchangelib fields of Message, and ItemClass writable (exchangelib's model
    marks it read-only; EWS takes it in CreateItem, as the product sends it), for this module only."""
    Message.register("caller_number", CallerNumber)
    Message.register("duration_seconds", DurationSeconds)
    item_class = Message.get_field_by_fieldname("item_class")
    item_class.is_read_only = False
    yield
    item_class.is_read_only = True
    Message.deregister("caller_number")
    Message.deregister("duration_seconds")


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    yield from case_simulator(request, start_simulator, tmp_path_factory)


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    """(outcome, message) of the case's check for the first mailbox; the harness must leave nothing behind."""
    _, check, _ = simulator.case
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "delivery",
                          "--only", check, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "delivery" / "report.json").read_text())
    found = [(r["outcome"], r["message"]) for r in report["results"] if r["id"].split("[")[0] == check]
    assert len(found) == 1, f"{check} ran {len(found)} times: {describe(result)}"
    cleanup = [r["outcome"] for r in report["results"] if r["id"] == "suite.cleanup.complete"]
    assert cleanup == ["passed"], f"the harness left something behind: {describe(result)}"
    return found[0]


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{c.split('.')[1]}-{q or 'healthy'}" for f, c, q in CASES])
def test_delivery_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, check, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = (online_account if flavor == ONLINE else onprem_account)(simulator, ALICE)
    item_class, file_name, sender = KINDS[check]
    tag = uuid.uuid4().hex[:8]
    content = hashlib.sha256(tag.encode()).digest() * 64  # 2 KiB that differ per run
    with step(f"create a {item_class} with {file_name}, From {sender}, CallerNumber and DurationSeconds, and read it back"):
        item = Message(account=account, folder=account.inbox, subject=f"agreement {tag}", body="x", item_class=item_class,
                       author=Mailbox(email_address=sender), is_read=False, caller_number="+14255550100", duration_seconds=7)
        item.attach(FileAttachment(name=file_name, content=content))
        item.save()
        try:
            stored = account.inbox.get(id=item.id)
            attachments = {a.name: a.content for a in stored.attachments if isinstance(a, FileAttachment)}
            seen = {"item_class": stored.item_class, "subject": stored.subject,
                    "sender": stored.author.email_address.lower() if stored.author else None,
                    "caller_number": stored.caller_number, "duration_seconds": stored.duration_seconds,
                    "attachment": attachments.get(file_name) == content}
        finally:
            item.delete()
    expected = {"item_class": item_class, "subject": f"agreement {tag}", "sender": sender,
                "caller_number": "+14255550100", "duration_seconds": 7, "attachment": True}
    identical = seen == expected
    assert (harness == "passed") == identical, (
        f"{flavor}: ewscheck says {check} {harness} ({message}), exchangelib read back {seen}, expected {expected} (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None), f"{flavor} {check} with quirk {quirk}: {harness}: {message}"
    if quirk:
        assert "CallerNumber" in message, message
