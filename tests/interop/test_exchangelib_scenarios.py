"""The contact-center scenarios of the simulator driven by exchangelib 5.6.0 through its ordinary API:
impersonating, with the server version *not* pinned (exchangelib probes it), against `ewscheck simulate`.

Each test asserts what the operation means, not just that it answered: the view expands exactly the
occurrences, free/busy shows the meeting, a pull subscription sees the new mail, a sync reports exactly
the changes, ResolveNames finds the user and the contact.
"""

from __future__ import annotations

import copy
import datetime
import urllib.parse
import uuid

import pytest
from lxml import etree
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    UTC,
    Account,
    CalendarItem,
    Configuration,
    Contact,
    Credentials,
    EWSDateTime,
    EWSTimeZone,
    FailFast,
    FileAttachment,
    ItemAttachment,
    Message,
    OofSettings,
)
from exchangelib.indexed_properties import EmailAddress, PhoneNumber
from exchangelib.properties import EWS_ID, HEX_ENTRY_ID, OWA_ID, AlternateId
from exchangelib.fields import FRIDAY, LAST, MONTHS, OCTOBER, SECOND, TUESDAY, WEEK_DAY, WEEK_NUMBERS, WEEKDAYS
from exchangelib.recurrence import (DailyPattern, EndDatePattern, NumberedPattern, Recurrence, RelativeMonthlyPattern,
                                    RelativeYearlyPattern, WeeklyPattern)
from exchangelib.version import EXCHANGE_2013

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401

from conftest import MAILBOXES

ALICE, BOB = MAILBOXES[0], MAILBOXES[1]


SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


XML_NAMESPACE_SCHEMA = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang" type="xs:string"/><xs:attribute name="space" type="xs:NCName"/>
  <xs:attribute name="base" type="xs:anyURI"/><xs:attribute name="id" type="xs:ID"/></xs:schema>"""


@pytest.fixture(scope="module")
def ews_schema(schema_dir, tmp_path_factory):
    """The v2017 messages schema, to check every answer the simulator gave exchangelib. types.xsd
    imports the xml: namespace without a location; a local declaration stands in (nothing is fetched)."""
    folder = tmp_path_factory.mktemp("xsd")
    (folder / "xml.xsd").write_text(XML_NAMESPACE_SCHEMA)
    wrapper = folder / "wrapper.xsd"
    wrapper.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ewscheck:wrapper">'
        f'<xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="{(folder / "xml.xsd").as_uri()}"/>'
        '<xs:import namespace="http://schemas.microsoft.com/exchange/services/2006/messages" '
        f'schemaLocation="{(schema_dir / "messages.xsd").resolve().as_uri()}"/></xs:schema>'
    )
    return etree.XMLSchema(etree.parse(str(wrapper)))


@pytest.fixture(autouse=True)
def responses_are_schema_valid(transcript, ews_schema):  # noqa: F811 - the imported fixture
    """After each test: every (non-streamed) EWS answer exchangelib received validates against v2017
    (this fixture depends on the transcript, so it checks before the transcript is let go)."""
    yield
    problems = []
    for http_request, response, streamed in transcript.exchanges:
        if streamed or "Exchange.asmx" not in http_request.url:
            continue
        root = etree.fromstring(response.content)
        body = root.find(f"{{{SOAP_NS}}}Body")
        if body is None or len(body) == 0 or body[0].tag == f"{{{SOAP_NS}}}Fault":
            continue
        answer = etree.ElementTree(copy.deepcopy(body[0]))
        if not ews_schema.validate(answer):
            problems.append(f"{body[0].tag}: {ews_schema.error_log.last_error}")
    assert not problems, "answers that are not schema-valid:\n" + "\n".join(problems)


def account_for(simulator, mailbox: str) -> Account:
    """An impersonating account whose server version exchangelib finds out itself."""
    config = Configuration(
        service_endpoint=simulator.info["loopback_ews_url"],
        credentials=Credentials(simulator.sign_in_names[0], simulator.password),
        auth_type=BASIC,
        retry_policy=FailFast(),
    )
    return Account(
        primary_smtp_address=mailbox,
        config=config,
        autodiscover=False,
        access_type=IMPERSONATION,
        default_timezone=UTC,
        locale="en_US",
    )


def utc(*args) -> EWSDateTime:
    return EWSDateTime(*args, tzinfo=UTC)


def test_version_is_probed_not_pinned(simulator, step):
    account = account_for(simulator, ALICE)
    with step("let exchangelib probe the server version"):
        version = account.version
    assert version.build >= EXCHANGE_2013, f"exchangelib guessed {version}"


def test_recurring_meeting_expands_in_calendar_view(simulator, step):
    account = account_for(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]
    start = utc(2026, 9, 7, 8, 30)
    master = CalendarItem(
        account=account,
        folder=account.calendar,
        subject=f"Standup {tag}",
        start=start,
        end=start + datetime.timedelta(minutes=15),
        recurrence=Recurrence(pattern=DailyPattern(interval=1), boundary=NumberedPattern(start=start.date(), number=5)),
    )
    with step("save a daily recurring meeting (CreateItem)"):
        master.save()
    try:
        with step("expand the week (FindItem with CalendarView)"):
            occurrences = list(account.calendar.view(start=utc(2026, 9, 6), end=utc(2026, 9, 20)).filter())
        mine = [o for o in occurrences if o.subject == f"Standup {tag}"]
        assert [o.start for o in mine] == [start + datetime.timedelta(days=d) for d in range(5)]
        assert {o.type for o in mine} == {"Occurrence"}
        with step("delete the third occurrence (DeleteItem)"):
            mine[2].delete()
        with step("expand again"):
            after = [o for o in account.calendar.view(start=utc(2026, 9, 6), end=utc(2026, 9, 20)) if o.subject == f"Standup {tag}"]
        assert len(after) == 4, f"{len(after)} occurrences after deleting one of five"
        with step("rename one occurrence (UpdateItem of an occurrence)"):
            after[0].subject = f"Standup {tag} (moved)"
            after[0].save(update_fields=["subject"])
        with step("expand again"):
            renamed = [o for o in account.calendar.view(start=utc(2026, 9, 6), end=utc(2026, 9, 20)) if o.subject.startswith(f"Standup {tag}")]
        assert [(o.subject.endswith("(moved)"), o.type) for o in renamed] == [(True, "Exception")] + [(False, "Occurrence")] * 3
        with step("fetch the master (GetItem)"):
            [fetched] = list(account.fetch(ids=[master]))
        assert fetched.type == "RecurringMaster"
        assert fetched.recurrence.boundary.number == 5
        assert [d.start for d in fetched.deleted_occurrences] == [start + datetime.timedelta(days=2)]
        assert [m.original_start for m in fetched.modified_occurrences] == [start]
        with step("move the series an hour later (UpdateItem)"):
            fetched.start += datetime.timedelta(hours=1)
            fetched.end += datetime.timedelta(hours=1)
            fetched.save(update_fields=["start", "end"])
        with step("read it back"):
            [moved] = list(account.fetch(ids=[fetched]))
        assert moved.start == start + datetime.timedelta(hours=1)
    finally:
        master.delete()


def test_relative_patterns_expand_to_the_nth_and_last_weekday(simulator, step):
    account = account_for(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]

    def meeting(subject, start, pattern, boundary):
        return CalendarItem(account=account, folder=account.calendar, subject=f"{subject} {tag}", start=start,
                            end=start + datetime.timedelta(minutes=30), recurrence=Recurrence(pattern=pattern, boundary=boundary))

    second_tuesday = meeting("Queue review", utc(2026, 5, 12, 9), RelativeMonthlyPattern(interval=1, weekday=TUESDAY, week_number=SECOND),
                             NumberedPattern(start=datetime.date(2026, 5, 1), number=3))
    last_weekday = meeting("Month-end", utc(2026, 5, 29, 16), RelativeMonthlyPattern(interval=1, weekday=WEEK_DAY, week_number=LAST),
                           EndDatePattern(start=datetime.date(2026, 5, 1), end=datetime.date(2026, 7, 31)))
    fiscal_close = meeting("Fiscal close", utc(2026, 10, 30, 15), RelativeYearlyPattern(weekday=FRIDAY, week_number=LAST, month=OCTOBER),
                           NumberedPattern(start=datetime.date(2026, 1, 1), number=2))
    created = []
    try:
        for item in (second_tuesday, last_weekday, fiscal_close):
            with step(f"save '{item.subject}' (CreateItem with a relative pattern)"):
                item.save()
            created.append(item)
        with step("expand May to August (FindItem with CalendarView)"):
            summer = list(account.calendar.view(start=utc(2026, 5, 1), end=utc(2026, 9, 1)))
        with step("expand September 2026 to 2027 (FindItem with CalendarView)"):
            later = list(account.calendar.view(start=utc(2026, 9, 1), end=utc(2028, 1, 1)))

        def starts(items, subject):
            return [o.start for o in items if o.subject == f"{subject} {tag}"]

        assert starts(summer, "Queue review") == [utc(2026, 5, 12, 9), utc(2026, 6, 9, 9), utc(2026, 7, 14, 9)]
        assert starts(summer, "Month-end") == [utc(2026, 5, 29, 16), utc(2026, 6, 30, 16), utc(2026, 7, 31, 16)]
        assert starts(later, "Fiscal close") == [utc(2026, 10, 30, 15), utc(2027, 10, 29, 15)]
        with step("fetch the masters (GetItem)"):
            fetched = list(account.fetch(ids=created))
        # exchangelib reads enum values back as 1-based numbers into its own name lists.
        patterns = [item.recurrence.pattern for item in fetched]
        assert (WEEKDAYS[patterns[0].weekday - 1], WEEK_NUMBERS[patterns[0].week_number - 1]) == (TUESDAY, SECOND)
        assert (WEEKDAYS[patterns[1].weekday - 1], WEEK_NUMBERS[patterns[1].week_number - 1]) == (WEEK_DAY, LAST)
        assert (WEEKDAYS[patterns[2].weekday - 1], WEEK_NUMBERS[patterns[2].week_number - 1], MONTHS[patterns[2].month - 1]) == (FRIDAY, LAST, OCTOBER)
    finally:
        for item in created:
            item.delete()


def test_convert_id_round_trips_through_owa_and_hex_entry_ids(simulator, step):
    # exchangelib sends ConvertId without impersonation, so Alice converts her own ids, signed in as
    # herself (the service account is rightly refused ErrorAccessDenied for another's mailbox).
    password = (simulator.state_dir / "secrets" / "alice.password").read_text()
    config = Configuration(service_endpoint=simulator.info["loopback_ews_url"], credentials=Credentials(ALICE, password),
                           auth_type=BASIC, retry_policy=FailFast())
    account = Account(primary_smtp_address=ALICE, config=config, autodiscover=False, access_type=DELEGATE,
                      default_timezone=UTC, locale="en_US")
    message = Message(account=account, folder=account.inbox, subject=f"Convert {uuid.uuid4().hex[:8]}")
    with step("save a message (CreateItem)"):
        message.save()
    try:
        with step("EwsId to OwaId (ConvertId)"):
            [owa] = list(account.protocol.convert_ids([AlternateId(id=message.id, format=EWS_ID, mailbox=ALICE)], destination_format=OWA_ID))
        with step("OwaId to HexEntryId (ConvertId)"):
            [hex_id] = list(account.protocol.convert_ids([AlternateId(id=owa.id, format=OWA_ID, mailbox=ALICE)], destination_format=HEX_ENTRY_ID))
        with step("HexEntryId back to EwsId (ConvertId)"):
            [back] = list(account.protocol.convert_ids([AlternateId(id=hex_id.id, format=HEX_ENTRY_ID, mailbox=ALICE)], destination_format=EWS_ID))
        assert owa.format == OWA_ID and not any(c in owa.id for c in "+/="), owa.id
        assert back.id == message.id
        with step("read the message by the converted id (GetItem)"):
            [fetched] = list(account.fetch(ids=[(back.id, None)]))
        assert fetched.subject == message.subject
    finally:
        message.delete()


def test_free_busy_shows_the_meeting(simulator, step):
    bob = account_for(simulator, BOB)
    start = utc(2026, 9, 15, 14)
    meeting = CalendarItem(account=bob, folder=bob.calendar, subject="Supervisor sync", start=start,
                           end=start + datetime.timedelta(hours=1), legacy_free_busy_status="Busy")
    with step("save bob's meeting"):
        meeting.save()
    try:
        alice = account_for(simulator, ALICE)
        with step("ask for bob's free/busy (GetServerTimeZones + GetUserAvailability)"):
            [view] = list(alice.protocol.get_free_busy_info(
                accounts=[(bob, "Required", False)], start=utc(2026, 9, 15, 12), end=utc(2026, 9, 15, 18),
                merged_free_busy_interval=60))
        assert view.merged == "002000", f"merged free/busy {view.merged!r}"
        assert [(e.start, e.end, e.busy_type) for e in view.calendar_events] == [
            (start, start + datetime.timedelta(hours=1), "Busy")]
        assert view.working_hours, "working hours are missing"
    finally:
        meeting.delete()


def test_conflicting_and_adjacent_meetings(simulator, step):
    account = account_for(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]
    start = utc(2026, 11, 3, 10)

    def meeting(name, offset_minutes, minutes, status="Busy"):
        item = CalendarItem(account=account, folder=account.calendar, subject=f"{name} {tag}", legacy_free_busy_status=status,
                            start=start + datetime.timedelta(minutes=offset_minutes),
                            end=start + datetime.timedelta(minutes=offset_minutes + minutes))
        item.save()
        return item

    with step("save a meeting, one overlapping it, one right after it and a Free one overlapping it"):
        items = [meeting("Review", 0, 60), meeting("Overlap", 30, 60), meeting("After", 60, 30), meeting("Hold", 15, 15, "Free")]
    try:
        with step("read the first (GetItem)"):
            [review] = list(account.fetch(ids=items[:1]))
        assert (review.conflicting_meeting_count, review.adjacent_meeting_count) == (1, 1)
        assert [m.subject for m in review.conflicting_meetings] == [f"Overlap {tag}"]
        assert [m.subject for m in review.adjacent_meetings] == [f"After {tag}"]
    finally:
        for item in items:
            item.delete()


def test_server_time_zones(simulator, step):
    account = account_for(simulator, ALICE)
    with step("list the server's time zones (GetServerTimeZones)"):
        zones = {tz.id: tz for tz in account.protocol.get_timezones(return_full_timezone_data=True)}
    assert {"UTC", "W. Europe Standard Time", "Pacific Standard Time"} <= set(zones)
    berlin = zones["W. Europe Standard Time"]
    assert EWSTimeZone.from_ms_id(berlin.id).key == "Europe/Berlin"
    assert berlin.periods and berlin.transitions_groups, "full time zone data is missing"


def test_out_of_office_round_trip(simulator, step):
    account = account_for(simulator, ALICE)
    settings = OofSettings(state=OofSettings.ENABLED, external_audience="Known",
                           internal_reply="Back on Monday", external_reply="Away")
    with step("turn automatic replies on (SetUserOofSettings)"):
        account.oof_settings = settings
    try:
        with step("read them back (GetUserOofSettings)"):
            got = account.oof_settings
        assert (got.state, got.external_audience, got.internal_reply) == ("Enabled", "Known", "Back on Monday")
    finally:
        account.oof_settings = OofSettings(state=OofSettings.DISABLED, external_audience="All",
                                           internal_reply="", external_reply="")


def test_pull_subscription_sees_the_new_mail(simulator, step):
    alice, bob = account_for(simulator, ALICE), account_for(simulator, BOB)
    with step("subscribe to alice's inbox (Subscribe)"):
        subscription_id, watermark = alice.inbox.subscribe_to_pull()
    try:
        subject = f"Voicemail {uuid.uuid4()}"
        with step("bob sends alice a message (CreateItem SendOnly)"):
            Message(account=bob, subject=subject, body="call me", to_recipients=[ALICE]).send()
        with step("read the events (GetEvents)"):
            notifications = list(alice.inbox.get_events(subscription_id, watermark))
        events = [e for n in notifications for e in n.events]
        new_mail = [e for e in events if type(e).__name__ == "NewMailEvent"]
        assert len(new_mail) == 1, f"events: {[type(e).__name__ for e in events]}"
        with step("fetch the new item"):
            [item] = list(alice.fetch(ids=[new_mail[0].item_id]))
        assert item.subject == subject
        # Transport's marks on what it delivered.
        assert (item.received_by.email_address, item.received_representing.email_address) == (ALICE, ALICE)
        assert item.last_modified_name and item.effective_rights.read and item.conversation_id
        # OWA's read form, a full URL on the external host; a received message has no edit form.
        assert item.web_client_read_form_query_string.startswith("https://mail.contoso.com:"), item.web_client_read_form_query_string
        query = urllib.parse.urlsplit(item.web_client_read_form_query_string).query
        assert urllib.parse.parse_qs(query)["ItemID"] == [item.id], "the ItemID is the EWS id, percent-escaped"
        assert item.web_client_read_form_query_string.endswith("&exvsurl=1&viewmodel=ReadMessageItem")
        assert item.web_client_edit_form_query_string is None
        item.delete()
    finally:
        with step("unsubscribe (Unsubscribe)"):
            alice.inbox.unsubscribe(subscription_id)


def test_sync_folder_items_and_hierarchy(simulator, step):
    account = account_for(simulator, ALICE)
    folder = account.drafts
    with step("first sync (SyncFolderItems)"):
        list(folder.sync_items())
    state = folder.item_sync_state
    message = Message(account=account, folder=folder, subject=f"sync {uuid.uuid4()}")
    with step("save a draft"):
        message.save()
    with step("sync again"):
        changes = list(folder.sync_items(sync_state=state))
    assert [(kind, getattr(item, "subject", None)) for kind, item in changes] == [("create", message.subject)]
    state = folder.item_sync_state
    message.is_read = not message.is_read
    with step("change the read flag alone (UpdateItem)"):
        message.save(update_fields=["is_read"])
    with step("sync after the read flag changed"):
        changes = list(folder.sync_items(sync_state=state))
    assert [kind for kind, _ in changes] == ["read_flag_change"], f"Exchange reports the read flag alone as ReadFlagChange: {changes}"
    state = folder.item_sync_state
    message.delete()
    with step("sync after the delete"):
        changes = list(folder.sync_items(sync_state=state))
    assert [kind for kind, _ in changes] == ["delete"]
    with step("sync the folder hierarchy (SyncFolderHierarchy)"):
        folders = list(account.root.sync_hierarchy())
    assert any(getattr(f, "name", None) == "Inbox" for _, f in folders)


def test_attachments_are_added_and_removed(simulator, step):
    account = account_for(simulator, ALICE)
    message = Message(account=account, folder=account.inbox, subject=f"Case {uuid.uuid4()}")
    with step("save a message"):
        message.save()
    try:
        recording = FileAttachment(name="call.wav", content=b"RIFF....WAVEfmt ", content_type="audio/wav")
        original = ItemAttachment(name="Original", item=Message(subject="Complaint", body="It broke"))
        with step("attach a file and an item to the saved message (CreateAttachment)"):
            message.attach([recording, original])
        with step("fetch it"):
            [fetched] = list(account.fetch(ids=[message]))
        assert sorted(a.name for a in fetched.attachments) == ["Original", "call.wav"]
        item_attachment = next(a for a in fetched.attachments if isinstance(a, ItemAttachment))
        with step("read the attached item (GetAttachment)"):
            inner = item_attachment.item
        assert inner.subject == "Complaint"
        with step("remove the file (DeleteAttachment)"):
            fetched.detach(next(a for a in fetched.attachments if isinstance(a, FileAttachment)))
        with step("fetch it again"):
            [again] = list(account.fetch(ids=[message]))
        assert [a.name for a in again.attachments] == ["Original"]
    finally:
        message.delete()


def test_contacts_resolve(simulator, step):
    account = account_for(simulator, ALICE)
    contact = Contact(account=account, folder=account.contacts, display_name="Carla Cliente", given_name="Carla", surname="Cliente",
                      company_name="Fabrikam", email_addresses=[EmailAddress(email="carla@fabrikam.example")],
                      phone_numbers=[PhoneNumber(label="BusinessPhone", phone_number="+1 555 0199")])
    with step("save a contact (CreateItem)"):
        contact.save()
    try:
        with step("fetch it"):
            [fetched] = list(account.fetch(ids=[contact]))
        assert (fetched.display_name, fetched.company_name) == ("Carla Cliente", "Fabrikam")
        assert [p.phone_number for p in fetched.phone_numbers] == ["+1 555 0199"]
        # What Exchange computes for every contact of a mailbox.
        assert (fetched.complete_name.first_name, fetched.complete_name.last_name, fetched.complete_name.full_name) == ("Carla", "Cliente", "Carla Cliente")
        assert (fetched.contact_source, fetched.has_picture) == ("Store", False)
        with step("resolve a directory user (ResolveNames)"):
            found = list(account.protocol.resolve_names(["bob"]))
        assert [m.email_address for m in found] == [BOB]
        # exchangelib resolves names as the service account (ResolveNames takes no impersonation there),
        # so the mailbox's own contacts are proven by the Swift ContactTests instead.
        with step("find the contact by name (FindItem)"):
            found = list(account.contacts.filter(display_name__startswith="Carla"))
        assert [c.email_addresses[0].email for c in found] == ["carla@fabrikam.example"]
    finally:
        contact.delete()


@pytest.mark.parametrize("mode", ["SendToNone", "SendToAllAndSaveCopy"])
def test_meeting_invitation_reaches_attendee(simulator, step, mode):
    alice, bob = account_for(simulator, ALICE), account_for(simulator, BOB)
    start = utc(2026, 10, 1, 9)
    subject = f"Escalation {uuid.uuid4().hex[:8]}"
    meeting = CalendarItem(account=alice, folder=alice.calendar, subject=subject, start=start,
                           end=start + datetime.timedelta(minutes=30), required_attendees=[BOB])
    with step(f"save a meeting with {mode}"):
        meeting.save(send_meeting_invitations=mode)
    try:
        with step("look at bob's calendar"):
            seen = [i for i in bob.calendar.view(start=start, end=start + datetime.timedelta(hours=1)) if i.subject == subject]
        if mode == "SendToNone":
            assert seen == []
        else:
            assert [i.legacy_free_busy_status for i in seen] == ["Tentative"]
            with step("find the request in bob's inbox"):
                requests = list(bob.inbox.filter(subject=subject))
            assert len(requests) == 1
            for item in seen + requests:
                item.delete()
    finally:
        meeting.delete(send_meeting_cancellations="SendToNone")


def test_streaming_subscription_sees_the_new_mail(simulator, step):
    alice, bob = account_for(simulator, ALICE), account_for(simulator, BOB)
    with step("subscribe to alice's inbox for streaming (Subscribe)"):
        subscription_id = alice.inbox.subscribe_to_streaming()
    try:
        subject = f"Streamed voicemail {uuid.uuid4()}"
        with step("bob sends alice a message"):
            Message(account=bob, subject=subject, body="call me", to_recipients=[ALICE]).send()
        seen = []
        with step("read the stream until the new mail shows (GetStreamingEvents)"):
            for notification in alice.inbox.get_streaming_events(subscription_id, connection_timeout=1):
                seen += [e for e in notification.events if type(e).__name__ == "NewMailEvent"]
                if seen:
                    break
        with step("fetch the new item"):
            [item] = list(alice.fetch(ids=[seen[0].item_id]))
        assert item.subject == subject
        item.delete()
    finally:
        with step("unsubscribe"):
            alice.inbox.unsubscribe(subscription_id)


def test_groups_and_rooms(simulator, step):
    account = account_for(simulator, ALICE)
    with step("expand the support group (ExpandDL)"):
        members = list(account.protocol.expand_dl("support@contoso.com"))
    assert sorted(m.email_address for m in members) == [ALICE, BOB]
    with step("list the room lists (GetRoomLists)"):
        lists = list(account.protocol.get_roomlists())
    assert [r.email_address for r in lists] == ["rooms-hq@contoso.com"]
    with step("list the rooms (GetRooms)"):
        rooms = list(account.protocol.get_rooms("rooms-hq@contoso.com"))
    assert [r.email_address for r in rooms] == ["room-1@contoso.com", "room-2@contoso.com"]
