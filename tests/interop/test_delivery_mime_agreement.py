"""exchangelib 5.6.0 and ewscheck agree on delivery.voicemail.mime and delivery.fax.mime, on exchange-onprem
(Basic, the server version probed by exchangelib) and exchange-online (app-only OAuth): against a healthy
simulator both read back the attachment of a message uploaded as MIME, and against a simulator that keeps
the MIME's text but not its attachments (`mime-attachments-dropped`) both see the attachment missing.

`ewscheck run` judges one check for the first mailbox; exchangelib uploads a MIME message it builds with
Python's email package (a text part and the WAV or TIFF) through its ordinary API (`Message(mime_content=…)`),
reads it back with GetItem and GetAttachment and compares. The test fails when the two disagree.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from email.message import EmailMessage

import pytest
from exchangelib import FileAttachment, Message

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, resolve_to_simulator  # noqa: F401

from agreement_support import case_simulator
from conftest import MAILBOXES, describe

ALICE = MAILBOXES[0]
KINDS = {
    "delivery.voicemail.mime": ("voicemail.wav", "audio", "wav", "voicemail-gateway@ewscheck.invalid"),
    "delivery.fax.mime": ("fax.tif", "image", "tiff", "fax-gateway@ewscheck.invalid"),
}
CASES = [(flavor, check, quirk) for flavor in (ON_PREMISES, ONLINE) for check in KINDS for quirk in (None, "mime-attachments-dropped")]


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    yield from case_simulator(request, start_simulator, tmp_path_factory)


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    _, check, _ = simulator.case
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "mime",
                          "--only", check, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "mime" / "report.json").read_text())
    found = [(r["outcome"], r["message"]) for r in report["results"] if r["id"].split("[")[0] == check]
    assert len(found) == 1, f"{check} ran {len(found)} times: {describe(result)}"
    cleanup = [r["outcome"] for r in report["results"] if r["id"] == "suite.cleanup.complete"]
    assert cleanup in ([], ["passed"]), f"the harness left something behind: {describe(result)}"
    return found[0]


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{c.split('.')[1]}-{q or 'healthy'}" for f, c, q in CASES])
def test_mime_delivery_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, check, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = online_account(simulator, ALICE) if flavor == ONLINE else account_for(simulator, ALICE)
    file_name, maintype, subtype, sender = KINDS[check]
    tag = uuid.uuid4().hex[:8]
    content = hashlib.sha256(tag.encode()).digest() * 64  # 2 KiB that differ per run
    mime = EmailMessage()
    mime["From"], mime["To"], mime["Subject"] = sender, ALICE, f"agreement mime {tag}"
    mime.set_content("x")
    mime.add_attachment(content, maintype=maintype, subtype=subtype, filename=file_name)
    with step(f"upload a MIME message with {file_name} (CreateItem MimeContent) and read it back"):
        item = Message(account=account, folder=account.inbox, mime_content=mime.as_bytes())
        item.save()
        try:
            stored = account.inbox.get(id=item.id)
            attachments = {a.name: a.content for a in stored.attachments if isinstance(a, FileAttachment)}
            subject = stored.subject
        finally:
            item.delete()
    identical = subject == f"agreement mime {tag}" and attachments.get(file_name) == content
    assert (harness == "passed") == identical, (
        f"{flavor}: ewscheck says {check} {harness} ({message}), exchangelib read back subject {subject!r} and "
        f"attachments {sorted(attachments)} ({file_name} {'identical' if attachments.get(file_name) == content else 'not as sent'}) (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None), f"{flavor} {check} with quirk {quirk}: {harness}: {message}"
