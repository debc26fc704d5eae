"""exchangelib 5.6.0 and ewscheck agree on message-waiting.created-unread, message-waiting.mark-all-read and
notifications.pull, on both flavors the product is certified against (exchange-onprem with Basic, the server
version probed by exchangelib; exchange-online with app-only OAuth): against a healthy simulator both see the
lamp light, go off and the event arrive, and against a simulator with the check's quirk both see the defect.

`ewscheck run` judges one check for the first mailbox; exchangelib performs the same operation through its
ordinary API (MarkAllItemsAsRead, which exchangelib does not offer, through a small service class built like
its own EmptyFolder). The test fails when the two disagree, naming what each saw.
"""

from __future__ import annotations

import json
import uuid

import pytest
from exchangelib import Message
from exchangelib.fields import FieldPath
from exchangelib.services import GetItem
from exchangelib.services.common import EWSAccountService, folder_ids_element
from exchangelib.util import TNS, add_xml_child, create_element
from exchangelib.version import EXCHANGE_2013

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, resolve_to_simulator  # noqa: F401

from agreement_support import case_simulator
from conftest import MAILBOXES, describe, target_copy

ALICE = MAILBOXES[0]
VOICEMAIL = "IPM.Note.Microsoft.Voicemail.UM.CA"
LATENCY_LIMIT_MS = 2000
QUIRKS = {
    "message-waiting.created-unread": "is-read-not-returned",
    "message-waiting.mark-all-read": "mark-all-items-as-read-ignored",
    "notifications.pull": "new-mail-event-missing",
}
CASES = [(flavor, check, quirk) for flavor in (ON_PREMISES, ONLINE) for check in QUIRKS for quirk in (None, QUIRKS[check])]


class MarkAllItemsAsRead(EWSAccountService):
    """MSDN: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/markallitemsasread-operation"""

    SERVICE_NAME = "MarkAllItemsAsRead"
    supported_from = EXCHANGE_2013
    returns_elements = False

    def call(self, folders, read_flag=True, suppress_read_receipts=True):
        return self._chunked_get_elements(self.get_payload, items=folders, read_flag=read_flag,
                                          suppress_read_receipts=suppress_read_receipts)

    def get_payload(self, folders, read_flag, suppress_read_receipts):
        payload = create_element(f"m:{self.SERVICE_NAME}")
        add_xml_child(payload, "m:ReadFlag", read_flag)
        add_xml_child(payload, "m:SuppressReadReceipts", suppress_read_receipts)
        payload.append(folder_ids_element(folders=folders, version=self.account.version, tag="m:FolderIds"))
        return payload


class GetIsRead(GetItem):
    """GetItem of message:IsRead, giving the element as the server sent it: exchangelib's Message model reads an
    absent IsRead as its default, False, which would hide a server that leaves it out."""

    def _elem_to_obj(self, elem):
        flag = elem.find(f"{{{TNS}}}IsRead")
        return None if flag is None else flag.text

    def read(self, items) -> list[str | None]:
        field = FieldPath(field=Message.get_field_by_fieldname("is_read"))
        return list(self.call(items=items, additional_fields=[field], shape="IdOnly"))


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    yield from case_simulator(request, start_simulator, tmp_path_factory)


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    """(outcome, message) of the case's check for the first mailbox; the harness must leave nothing behind."""
    _, check, _ = simulator.case
    reports = tmp_path / "reports"
    target = simulator.target_file
    if check == "notifications.pull":
        # A silent subscription is waited for up to the target's notification_latency_ms (10 s by default):
        # far above what the simulator takes, short enough not to slow the test.
        target = target_copy(simulator, tmp_path / "target.yaml", lambda data: data.update(notification_latency_ms=LATENCY_LIMIT_MS))
    result = run_ewscheck("run", "--target", target, "--reports-dir", reports, "--run-id", "lamp",
                          "--only", check, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "lamp" / "report.json").read_text())
    found = [(r["outcome"], r["message"]) for r in report["results"] if r["id"].split("[")[0] == check]
    assert len(found) == 1, f"{check} ran {len(found)} times: {describe(result)}"
    cleanup = [r["outcome"] for r in report["results"] if r["id"] == "suite.cleanup.complete"]
    assert cleanup in ([], ["passed"]), f"the harness left something behind: {describe(result)}"
    return found[0]


def voicemail(account, tag: str) -> Message:
    item = Message(account=account, folder=account.inbox, subject=f"agreement {tag}", body="x",
                   item_class=VOICEMAIL, is_read=False)
    item.save()
    return item


def unread_count(account) -> int:
    account.inbox.refresh()
    return account.inbox.unread_count


def observe_created_unread(account, step) -> tuple[bool, str]:
    with step("read the Inbox's UnreadCount, create a voicemail with IsRead=false, read the item and the count back"):
        before = unread_count(account)
        item = voicemail(account, uuid.uuid4().hex[:8])
        try:
            [is_read] = GetIsRead(account=account).read([item])
            after = unread_count(account)
        finally:
            item.delete()
    return (is_read == "false" and after == before + 1), f"is_read={is_read}, UnreadCount {before} -> {after}"


def observe_mark_all_read(account, step) -> tuple[bool, str]:
    with step("create two unread voicemails, MarkAllItemsAsRead on the Inbox, read the flags and the count back"):
        tag = uuid.uuid4().hex[:8]
        items = [voicemail(account, f"{tag}-{n}") for n in range(2)]
        try:
            before = unread_count(account)
            results = list(MarkAllItemsAsRead(account=account).call(folders=[account.inbox]))
            errors = [r for r in results if isinstance(r, Exception)]
            flags = GetIsRead(account=account).read(items)
            after = unread_count(account)
        finally:
            for item in items:
                item.delete()
    return (not errors and flags == ["true", "true"] and after == 0), (
        f"MarkAllItemsAsRead answered {errors or 'NoError'}, IsRead {flags}, UnreadCount {before} -> {after}")


def observe_pull(account, step) -> tuple[bool, str]:
    with step("subscribe to the Inbox (pull), create an unread voicemail, GetEvents from the subscription's watermark"):
        subscription_id, watermark = account.inbox.subscribe_to_pull()
        try:
            item = voicemail(account, uuid.uuid4().hex[:8])
            item_id = item.id  # exchangelib clears it on delete
            try:
                events = [e for n in account.inbox.get_events(subscription_id, watermark) for e in n.events]
            finally:
                item.delete()
        finally:
            account.inbox.unsubscribe(subscription_id)
    names = [type(e).__name__ for e in events]
    for_item = [type(e).__name__ for e in events if type(e).__name__ in ("NewMailEvent", "CreatedEvent")
                and getattr(getattr(e, "item_id", None), "id", None) == item_id]
    return bool(for_item), f"GetEvents gave {names}, for the voicemail {for_item}"


OBSERVE = {
    "message-waiting.created-unread": observe_created_unread,
    "message-waiting.mark-all-read": observe_mark_all_read,
    "notifications.pull": observe_pull,
}


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{c}-{q or 'healthy'}" for f, c, q in CASES])
def test_message_waiting_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, check, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = online_account(simulator, ALICE) if flavor == ONLINE else account_for(simulator, ALICE)
    works, seen = OBSERVE[check](account, step)
    assert (harness == "passed") == works, (
        f"{flavor}: ewscheck says {check} {harness} ({message}), exchangelib saw {seen} (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None), f"{flavor} {check} with quirk {quirk}: {harness}: {message}"
