"""Push subscriptions, meeting responses and the remaining mailbox operations of the simulator driven by exchangelib 5.6.0 through its
ordinary API: impersonating, with the server version *not* pinned, against `ewscheck simulate`.

A push subscription's notification is received by a Python http.server on loopback and parsed with
exchangelib's own SendNotification helper; a meeting request is found in the attendee's Inbox,
answered with accept() / decline(), and the organizer's Inbox, attendee list and the attendee's
calendar (and free/busy) are checked. MarkAllItemsAsRead (which exchangelib 5.6.0 lacks) goes through an
exchangelib service class written as its own are; SendOnly, SendAndSaveCopy and a saved draft's
send_and_save() are told apart by where the copies end up.
"""

from __future__ import annotations

import datetime
import http.server
import queue
import threading
import time
import uuid

import pytest
from exchangelib import CalendarItem, Folder, Message
from exchangelib.folders import Messages
from exchangelib.items import MeetingRequest, MeetingResponse
from exchangelib.services import SendNotification
from exchangelib.services.common import EWSAccountService, folder_ids_element
from exchangelib.util import add_xml_child, create_element

# The shared helpers and fixtures of the scenario module: every EWS answer is checked against v2017.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import ews_schema, responses_are_schema_valid, account_for, utc  # noqa: F401

from conftest import MAILBOXES

ALICE, BOB = MAILBOXES[0], MAILBOXES[1]


class PushListener:
    """A loopback http.server that answers every SendNotification with exchangelib's OK payload and
    queues (headers, body) of each request."""

    def __init__(self, service: SendNotification):
        received: queue.Queue = queue.Queue()
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.put((dict(self.headers), body))
                payload = service.ok_payload()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/ews/push"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=30)


def test_push_subscription_notifies_the_callback(simulator, step):
    alice, bob = account_for(simulator, ALICE), account_for(simulator, BOB)
    service = SendNotification(protocol=alice.protocol)
    listener = PushListener(service)
    try:
        with step("subscribe to alice's inbox for push (Subscribe PushSubscriptionRequest)"):
            subscription_id, watermark = alice.inbox.subscribe_to_push(listener.url)
        assert subscription_id and watermark
        try:
            subject = f"Pushed voicemail {uuid.uuid4()}"
            with step("bob sends alice a message"):
                Message(account=bob, subject=subject, body="call me", to_recipients=[ALICE]).send()
            new_mail, headers = [], {}
            with step("receive the SendNotification and parse it with exchangelib"):
                deadline = time.monotonic() + 30
                while not new_mail:
                    headers, body = listener.received.get(timeout=max(0.1, deadline - time.monotonic()))
                    for notification in service.parse(body):
                        assert notification.subscription_id == subscription_id
                        new_mail += [e for e in notification.events if type(e).__name__ == "NewMailEvent"]
            assert not any(name.lower() == "authorization" for name in headers), "credentials were sent to the callback"
            with step("fetch the notified item"):
                [item] = list(alice.fetch(ids=[new_mail[0].item_id]))
            assert item.subject == subject
            item.delete()
        finally:
            with step("unsubscribe"):
                alice.inbox.unsubscribe(subscription_id)
    finally:
        listener.stop()


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_meeting_request_is_answered(simulator, step, answer):
    alice, bob = account_for(simulator, ALICE), account_for(simulator, BOB)
    start = utc(2026, 10, 6 if answer == "accept" else 7, 9)
    end = start + datetime.timedelta(hours=1)
    subject = f"Coaching {answer} {uuid.uuid4().hex[:8]}"
    meeting = CalendarItem(account=alice, folder=alice.calendar, subject=subject, start=start, end=end,
                           legacy_free_busy_status="Busy", required_attendees=[BOB])
    invitations = "SendToAllAndSaveCopy" if answer == "accept" else "SendOnlyToAll"
    with step(f"alice invites bob (CreateItem {invitations})"):
        meeting.save(send_meeting_invitations=invitations)
    leftovers = []
    try:
        with step("find the meeting request in bob's inbox"):
            requests = list(bob.inbox.filter(subject=subject))
        assert [type(r) for r in requests] == [MeetingRequest]
        assert (requests[0].is_delegated, requests[0].is_out_of_date, requests[0].has_been_processed) == (False, False, True)
        offered = requests[0].response_objects
        assert None not in (offered.accept_item, offered.tentatively_accept_item, offered.decline_item), offered
        with step(f"bob answers with {answer}() (CreateItem {'AcceptItem' if answer == 'accept' else 'DeclineItem'})"):
            getattr(requests[0], answer)()
        with step("find the response in alice's inbox"):
            responses = list(alice.inbox.filter(subject__contains=subject))
        leftovers += responses
        assert [type(r) for r in responses] == [MeetingResponse]
        expected_class = "IPM.Schedule.Meeting.Resp.Pos" if answer == "accept" else "IPM.Schedule.Meeting.Resp.Neg"
        assert responses[0].item_class == expected_class
        assert responses[0].author.email_address == BOB
        with step("read alice's meeting: bob's answer is recorded"):
            meeting.refresh()
        assert [a.response_type for a in meeting.required_attendees] == ["Accept" if answer == "accept" else "Decline"]
        with step("look at bob's calendar"):
            seen = [i for i in bob.calendar.view(start=start, end=end) if i.subject == subject]
        leftovers += seen
        with step("ask for bob's free/busy (GetUserAvailability)"):
            [view] = list(alice.protocol.get_free_busy_info(accounts=[(bob, "Required", False)], start=start,
                                                            end=end, merged_free_busy_interval=60))
        if answer == "accept":
            assert [(i.my_response_type, i.legacy_free_busy_status) for i in seen] == [("Accept", "Busy")]
            with step("read bob's answered meeting (GetItem)"):
                [answered] = list(bob.fetch(ids=seen))
            assert answered.appointment_reply_time and abs(answered.appointment_reply_time - answered.last_modified_time) < datetime.timedelta(seconds=5)
            assert view.merged == "2", f"merged free/busy {view.merged!r}"
        else:
            assert seen == []
            assert view.merged == "0", f"merged free/busy {view.merged!r}"
    finally:
        for item in leftovers:
            item.delete()
        meeting.delete(send_meeting_cancellations="SendToNone")


def test_mailbox_operations_without_an_agreement_test(simulator, step):
    """The point-4 operations no other exchangelib test drives: CopyItem, SendItem of a saved draft,
    EmptyFolder and DeleteFolder of a folder it created, FindItem with a restriction and a sort order
    that return exactly the matching items in order."""
    alice, bob = account_for(simulator, ALICE), account_for(simulator, BOB)
    tag = uuid.uuid4().hex[:8]
    with step("create a folder under alice's inbox (CreateFolder)"):
        folder = Folder(parent=alice.inbox, name=f"ops {tag}")
        folder.save()
    try:
        with step("save three messages into it and one decoy into the inbox"):
            for n in (2, 3, 1):
                Message(account=alice, folder=folder, subject=f"ops {tag} #{n}", body="x").save()
            decoy = Message(account=alice, folder=alice.inbox, subject=f"decoy {tag}", body="x")
            decoy.save()
        with step("filter and sort (FindItem Restriction + SortOrder)"):
            subjects = [m.subject for m in folder.filter(subject__contains=f"ops {tag}").order_by("-subject")]
            none = list(folder.filter(subject="no-such-subject"))
        assert subjects == [f"ops {tag} #3", f"ops {tag} #2", f"ops {tag} #1"]
        assert none == []
        with step("copy the decoy into the folder (CopyItem)"):
            decoy.copy(folder)
        assert [m.subject for m in folder.filter(subject=f"decoy {tag}")] == [f"decoy {tag}"]
        assert [m.subject for m in alice.inbox.filter(subject=f"decoy {tag}")] == [f"decoy {tag}"]
        decoy.delete()
        with step("save a draft to bob and send it (CreateItem SaveOnly, then SendItem)"):
            draft = Message(account=alice, folder=alice.drafts, subject=f"draft {tag}", body="x", to_recipients=[BOB])
            draft.save()
            draft.send()
        with step("find it in bob's inbox"):
            received = list(bob.inbox.filter(subject=f"draft {tag}"))
        assert len(received) == 1
        received[0].delete()
        with step("empty the folder (EmptyFolder)"):
            folder.empty()
        assert folder.all().count() == 0
    finally:
        with step("delete the folder (DeleteFolder)"):
            folder.delete()


class MarkAllItemsAsRead(EWSAccountService):
    """exchangelib 5.6.0 has no MarkAllItemsAsRead; this is one written the way its own services are
    (EmptyFolder is the model), so exchangelib's transport, impersonation header, version handling and
    response parsing still do the work and raise on any error ResponseCode."""

    SERVICE_NAME = "MarkAllItemsAsRead"
    returns_elements = False

    def call(self, folders, read_flag, suppress_read_receipts):
        return self._chunked_get_elements(self.get_payload, items=folders, read_flag=read_flag,
                                          suppress_read_receipts=suppress_read_receipts)

    def get_payload(self, folders, read_flag, suppress_read_receipts):
        payload = create_element(f"m:{self.SERVICE_NAME}")
        add_xml_child(payload, "m:ReadFlag", read_flag)
        add_xml_child(payload, "m:SuppressReadReceipts", suppress_read_receipts)
        payload.append(folder_ids_element(folders=folders, version=self.account.version))
        return payload


def test_mark_all_items_as_read_clears_the_unread_count(simulator, step):
    alice = account_for(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]
    with step("create a folder with three unread voicemails and one read one (CreateFolder, CreateItem)"):
        # A mail folder (IPF.Note), so that exchangelib's refresh() finds the class it made.
        folder = Messages(parent=alice.inbox, name=f"unread {tag}")
        folder.save()
    try:
        for n, read in ((1, False), (2, False), (3, False), (4, True)):
            Message(account=alice, folder=folder, subject=f"vm {tag} #{n}", body="x", is_read=read,
                    item_class="IPM.Note.Microsoft.Voicemail.UM.CA").save()
        decoy = Message(account=alice, folder=alice.inbox, subject=f"decoy {tag}", body="x", is_read=False)
        decoy.save()
        folder.refresh()
        assert (folder.total_count, folder.unread_count) == (4, 3)
        with step("mark everything in the folder read (MarkAllItemsAsRead ReadFlag=true)"):
            assert list(MarkAllItemsAsRead(account=alice).call(folders=[folder], read_flag=True, suppress_read_receipts=True)) == [True]
        folder.refresh()
        assert (folder.total_count, folder.unread_count) == (4, 0)
        assert {m.is_read for m in folder.all()} == {True}
        assert [m.is_read for m in alice.inbox.filter(subject=f"decoy {tag}")] == [False], "another folder was touched"
        with step("mark everything unread again (MarkAllItemsAsRead ReadFlag=false)"):
            list(MarkAllItemsAsRead(account=alice).call(folders=[folder], read_flag=False, suppress_read_receipts=False))
        folder.refresh()
        assert folder.unread_count == 4
        decoy.delete()
    finally:
        with step("delete the folder"):
            folder.delete()


def test_send_only_and_send_and_save_copy(simulator, step):
    """CreateItem SendOnly keeps no copy; CreateItem SendAndSaveCopy (exchangelib's default send()) and
    UpdateItem SendAndSaveCopy of a saved draft (send_and_save()) keep it in Sent Items and take the
    draft out of Drafts; each reaches the recipient's Inbox exactly once."""
    alice, bob = account_for(simulator, ALICE), account_for(simulator, BOB)
    tag = uuid.uuid4().hex[:8]
    with step("send without a copy (CreateItem SendOnly)"):
        Message(account=alice, subject=f"only {tag}", body="x", to_recipients=[BOB]).send(save_copy=False)
    with step("send with a copy (CreateItem SendAndSaveCopy)"):
        Message(account=alice, subject=f"copy {tag}", body="x", to_recipients=[BOB]).send()
    with step("save a draft, then send and save it (CreateItem SaveOnly, UpdateItem SendAndSaveCopy)"):
        draft = Message(account=alice, folder=alice.drafts, subject=f"draft {tag}", body="x", to_recipients=[BOB])
        draft.save()
        draft.send_and_save()
    with step("look at bob's inbox and alice's Sent Items and Drafts"):
        received = sorted(m.subject for m in bob.inbox.filter(subject__contains=tag))
        sent = sorted(m.subject for m in alice.sent.filter(subject__contains=tag))
        drafts = [m.subject for m in alice.drafts.filter(subject__contains=tag)]
    assert received == [f"copy {tag}", f"draft {tag}", f"only {tag}"]
    assert sent == [f"copy {tag}", f"draft {tag}"]
    assert drafts == []
    for folder in (bob.inbox, alice.sent):
        for item in folder.filter(subject__contains=tag):
            item.delete()
