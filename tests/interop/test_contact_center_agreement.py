"""exchangelib 5.6.0 and ewscheck agree on the contact-center checks: against a healthy simulator both
see the operation work, and against a simulator with a quirk both see the same deviation. Covered:
message-waiting.read-clears, routing.move, routing.sync-folder-items (`Folder.sync_items`),
notifications.streaming (`Folder.get_streaming_events`), directory.expand-dl (`Protocol.expand_dl`) and
notifications.subscriptions-held (`Folder.subscribe_to_pull` on every mailbox, all held at once). Each on
exchange-onprem (Basic, the server version probed by exchangelib) and exchange-online (app-only OAuth).

For each simulator, `ewscheck run` judges one check and exchangelib performs the same operation through
its ordinary API; the test fails when the two disagree, naming what each saw.
"""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from exchangelib import Folder, Identity, Message
from exchangelib.errors import ErrorItemNotFound
from exchangelib.services import CreateFolder, DeleteFolder, GetStreamingEvents

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, resolve_to_simulator  # noqa: F401

from conftest import MAILBOXES, describe, load_yaml, target_copy

ALICE = MAILBOXES[0]

@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator for one case: (the ewscheck check judged, the quirk or None for a healthy one[, the flavor,
    exchange-onprem when not given])."""
    check, quirk, *flavor = request.param
    sim_flavor = flavor[0] if flavor else ON_PREMISES
    extra = (("--flavor", ONLINE) if sim_flavor == ONLINE else ()) + (("--quirk", quirk) if quirk else ())
    sim = start_simulator(tmp_path_factory.mktemp("sim") / "state", *extra)
    sim.case, sim.flavor = (check, quirk), sim_flavor
    yield sim
    sim.stop()


def on_both_flavors(check: str, quirk: str) -> dict:
    """Parametrisation of `simulator` for a check healthy and quirked, on exchange-onprem and exchange-online."""
    cases = [(check, q, flavor) for flavor in (ON_PREMISES, ONLINE) for q in (None, quirk)]
    return dict(argvalues=cases, indirect=True, ids=[f"{flavor}-{q or 'healthy'}" for _, q, flavor in cases])


def create_folder(account, name: str) -> Folder:
    """A folder under the Inbox (CreateFolder), without Folder.save(): that adds the folder to exchangelib's
    cache of the hierarchy, whose first use asks for every distinguished folder the server version may have,
    and for Exchange Online's build those include ids the simulator's (2017) schemas do not know."""
    folder = Folder(parent=account.inbox, name=name)
    created = CreateFolder(account=account).get(parent_folder=account.inbox, folders=[folder])
    folder._id = Folder.ID_ELEMENT_CLS(created.id, created.changekey)
    return folder


def delete_folder(account, folder: Folder) -> None:
    DeleteFolder(account=account).get(folders=[folder], delete_type="HardDelete")


def account_of(simulator, mailbox: str):
    """The impersonating account of the simulator's flavor: Basic with the version probed on premises, the
    consented application's app-only token in Exchange Online (whose protocol-level requests, ExpandDL,
    impersonate the credentials' identity)."""
    if simulator.flavor != ONLINE:
        return account_for(simulator, mailbox)
    account = online_account(simulator, mailbox)
    account.protocol.credentials.identity = Identity(primary_smtp_address=mailbox)
    return account


def harness_outcome(simulator, run_ewscheck, tmp_path, target=None) -> str:
    """What `ewscheck run` says about the case's check for the first mailbox (the only one in the run,
    so routing.sync-folder-items sends to it from itself); the harness must leave nothing behind."""
    check, _ = simulator.case
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", target or simulator.target_file, "--reports-dir", reports, "--run-id", "agreement",
                          "--only", check, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "agreement" / "report.json").read_text())
    outcomes = [r["outcome"] for r in report["results"] if r["id"] == check]
    assert len(outcomes) == 1, f"{check} ran {len(outcomes)} times: {describe(result)}"
    cleanup = [r["outcome"] for r in report["results"] if r["id"] == "suite.cleanup.complete"]
    assert cleanup in ([], ["passed"]), f"the harness left something behind: {describe(result)}"
    return outcomes[0]


@pytest.mark.parametrize("simulator", **on_both_flavors("message-waiting.read-clears", "read-flag-update-ignored"))
def test_read_flag_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    check, quirk = simulator.case
    harness = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = account_of(simulator, ALICE)
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


@pytest.mark.parametrize("simulator", **on_both_flavors("routing.move", "move-item-keeps-original"))
def test_move_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    check, quirk = simulator.case
    harness = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = account_of(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]
    with step("move a message into a new folder and look for the original"):
        folder = create_folder(account, f"agreement {tag}")
        item = Message(account=account, folder=account.inbox, subject=f"agreement {tag}", body="x")
        item.save()
        original = (item.id, item.changekey)
        item.move(folder)
        found = list(account.fetch(ids=[original]))
        original_gone = isinstance(found[0], ErrorItemNotFound)
        if not original_gone:
            found[0].delete()
        delete_folder(account, folder)
    assert (harness == "passed") == original_gone, (
        f"ewscheck says {check} {harness}, exchangelib found the original {'gone' if original_gone else 'still there'} after MoveItem (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None)


@pytest.mark.parametrize("simulator", **on_both_flavors("routing.sync-folder-items", "sync-state-ignored"))
def test_sync_folder_items_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    check, quirk = simulator.case
    harness = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = account_of(simulator, ALICE)
    subject = f"agreement sync {uuid.uuid4().hex[:8]}"
    with step("synchronise the Inbox from nothing (SyncFolderItems, paged by exchangelib), then send a message to it"):
        known = {item.id for kind, item in account.inbox.sync_items() if kind == "create"}
        before = account.inbox.item_sync_state
        Message(account=account, subject=subject, body="x", to_recipients=[ALICE]).send()
    with step("synchronise from the state taken before the send, then from the state returned with the message"):
        changes = list(account.inbox.sync_items(sync_state=before))
        after = account.inbox.item_sync_state
        again = list(account.inbox.sync_items(sync_state=after))
    created = [item for kind, item in changes if kind == "create" and getattr(item, "subject", None) == subject]
    repeated = [item for kind, item in changes + again if kind == "create" and item.id in known]
    repeated += [item for kind, item in again if kind == "create" and getattr(item, "subject", None) == subject]
    for item in {i.id: i for i in created}.values():
        account.inbox.get(id=item.id).delete()
    state_honoured = len(created) == 1 and not repeated
    assert (harness == "passed") == state_honoured, (
        f"ewscheck says {check} {harness}, exchangelib saw the message as Create {len(created)} time(s) from the state before "
        f"the send and {len(repeated)} already synchronised item(s) reported as Create again (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None)


# The notification latency limit both sides hold the stream to (the target's notification_latency_ms):
# far above what the simulator takes, short enough that a silent stream does not slow the tests.
LATENCY_LIMIT_MS = 3000


@pytest.mark.parametrize("simulator", **on_both_flavors("notifications.streaming", "streaming-events-missing"))
def test_streaming_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    check, quirk = simulator.case
    target = target_copy(simulator, tmp_path / "target.yaml", lambda data: data.update(notification_latency_ms=LATENCY_LIMIT_MS))
    harness = harness_outcome(simulator, run_ewscheck, tmp_path, target=target)
    account = account_of(simulator, ALICE)
    # exchangelib keeps one connection per server by default, and the open stream holds it.
    account.protocol.max_connections = 3
    subject = f"agreement stream {uuid.uuid4().hex[:8]}"
    with step("subscribe to the Inbox for streaming (Subscribe), then create an unread voicemail"):
        subscription_id = account.inbox.subscribe_to_streaming()
        item = Message(account=account, folder=account.inbox, subject=subject, body="x",
                       item_class="IPM.Note.Microsoft.Voicemail.UM.CA", is_read=False)
        item.save()
    item_events, other_events = [], []
    arrived, limit_passed = threading.Event(), threading.Event()
    service = GetStreamingEvents(account=account)

    def read_stream():
        # exchangelib blocks in the stream until a notification or its connection's end: the reader runs
        # beside the test and stops at the item event, or at the first notification after the limit.
        for notification in service.call(subscription_ids=[subscription_id], connection_timeout=1):
            for e in notification.events:
                is_item = type(e).__name__ in ("NewMailEvent", "CreatedEvent") and getattr(getattr(e, "item_id", None), "id", None) == item.id
                (item_events if is_item else other_events).append(type(e).__name__)
            if item_events:
                arrived.set()
            if item_events or limit_passed.is_set():
                break

    reader = threading.Thread(target=read_stream, daemon=True)
    wake = None
    try:
        with step(f"read the stream (GetStreamingEvents) for at most {LATENCY_LIMIT_MS} ms after the CreateItem answer"):
            reader.start()
            if not arrived.wait(LATENCY_LIMIT_MS / 1000):
                # A folder change is reported even by a stream that drops item events: it wakes the reader.
                limit_passed.set()
                wake = create_folder(account, f"agreement wake {uuid.uuid4().hex[:8]}")
            reader.join(60)
    finally:
        service.stop_streaming()
        item.delete()
        if wake is not None:
            delete_folder(account, wake)
        account.inbox.unsubscribe(subscription_id)
    assert not reader.is_alive(), "the reader was not woken by a folder change"
    assert (harness == "passed") == bool(item_events), (
        f"ewscheck says {check} {harness}, exchangelib's stream reported item events {item_events} and other events "
        f"{other_events} for a new voicemail within {LATENCY_LIMIT_MS} ms (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None)


@pytest.mark.parametrize("simulator", **on_both_flavors("directory.expand-dl", "expand-dl-empty"))
def test_expand_dl_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    check, quirk = simulator.case
    harness = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = account_of(simulator, ALICE)
    dl = load_yaml(simulator.target_file)["distribution_list"]
    with step(f"expand {dl} (ExpandDL)"):
        members = list(account.protocol.expand_dl(dl))
    addresses = [getattr(m, "email_address", None) for m in members]
    assert (harness == "passed") == (bool(members) and all(addresses)), (
        f"ewscheck says {check} {harness}, exchangelib's ExpandDL of {dl} gave members {addresses} (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None)


@pytest.mark.parametrize("simulator", **on_both_flavors("notifications.subscriptions-held", "subscriptions-charged-to-caller"))
def test_held_subscriptions_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    check, quirk = simulator.case
    reports = tmp_path / "reports"
    # Every mailbox of the target: the check holds one subscription per mailbox, as the product does.
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "held", "--only", check)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "held" / "report.json").read_text())
    [held] = [r for r in report["results"] if r["id"] == check]
    mailboxes = MAILBOXES[:4]
    subscriptions, refused = [], None
    with step(f"subscribe to the Inbox of {len(mailboxes)} mailboxes, keeping each (Subscribe), then end them (Unsubscribe)"):
        try:
            for mailbox in mailboxes:
                account = account_of(simulator, mailbox)
                try:
                    subscription_id, _ = account.inbox.subscribe_to_pull()
                except Exception as e:  # noqa: BLE001 - the refusal is the finding
                    refused = f"{mailbox}: {type(e).__name__}: {e}"
                    break
                subscriptions.append((account, subscription_id))
        finally:
            for account, subscription_id in subscriptions:
                account.inbox.unsubscribe(subscription_id)
    assert (held["outcome"] == "passed") == (refused is None), (
        f"ewscheck says {check} {held['outcome']} ({held['message']}); exchangelib held {len(subscriptions)} and was refused: {refused}")
    assert (held["outcome"] == "passed") == (quirk is None), held["message"]
    if refused:
        assert "ErrorExceededSubscriptionCount" in refused
        assert held["facts"]["subscription_limit"] == str(len(subscriptions)), (held["facts"], len(subscriptions))
