"""exchangelib 5.6.0 and ewscheck agree on presence.free-busy: against a healthy simulator both see a Busy
appointment in free/busy at the times it was created, and against a simulator whose availability answers
leave out the calendar events (`free-busy-omits-created-event`), report Busy as Tentative
(`free-busy-busy-as-tentative`) or label UTC times with another offset (`free-busy-times-mislabelled`) neither
does; on exchange-onprem (Basic) and exchange-online (app-only OAuth).

`ewscheck run` judges the check for the first mailbox; exchangelib creates its own Busy appointment through
its ordinary API and reads free/busy with `Protocol.get_free_busy_info`. The test fails when the two
disagree, naming what each saw.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from exchangelib import UTC, CalendarItem, EWSDateTime, Identity

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, resolve_to_simulator  # noqa: F401

from conftest import MAILBOXES, describe

ALICE = MAILBOXES[0]
CHECK = "presence.free-busy"


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the flavor with the quirk named by the parameter, or a healthy one for None."""
    flavor, quirk = request.param
    extra = (("--flavor", ONLINE) if flavor == ONLINE else ()) + (("--quirk", quirk) if quirk else ())
    sim = start_simulator(tmp_path_factory.mktemp("sim") / "state", *extra)
    sim.flavor, sim.quirk = flavor, quirk
    yield sim
    sim.stop()


def harness_outcome(simulator, run_ewscheck, tmp_path) -> str:
    """What `ewscheck run` says about presence.free-busy for the first mailbox."""
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "presence",
                          "--only", CHECK, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "presence" / "report.json").read_text())
    outcomes = [r["outcome"] for r in report["results"] if r["id"] == CHECK]
    assert len(outcomes) == 1, f"{CHECK} ran {len(outcomes)} times: {describe(result)}"
    cleanup = [r["outcome"] for r in report["results"] if r["id"] == "suite.cleanup.complete"]
    assert cleanup == ["passed"], f"the harness left something behind: {describe(result)}"
    return outcomes[0]


CASES = [(flavor, quirk) for flavor in (ON_PREMISES, ONLINE)
         for quirk in (None, "free-busy-omits-created-event", "free-busy-busy-as-tentative", "free-busy-times-mislabelled")]


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{q or 'healthy'}" for f, q in CASES])
def test_free_busy_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    harness = harness_outcome(simulator, run_ewscheck, tmp_path)
    if simulator.flavor == ONLINE:
        account = online_account(simulator, ALICE)
        # GetUserAvailability is protocol-level in exchangelib: the app-only token impersonates the credentials' identity.
        account.protocol.credentials.identity = Identity(primary_smtp_address=ALICE)
    else:
        account = account_for(simulator, ALICE)
    tag = uuid.uuid4().hex[:8]
    with step("create a Busy appointment in the next hour and read free/busy over a window around it"):
        base = EWSDateTime.now(tz=UTC).replace(second=0, microsecond=0)
        start, end = base + timedelta(minutes=6), base + timedelta(minutes=36)
        item = CalendarItem(account=account, folder=account.calendar, subject=f"agreement {tag}",
                            start=start, end=end, legacy_free_busy_status="Busy")
        item.save()
        try:
            views = list(account.protocol.get_free_busy_info(
                accounts=[(account, "Organizer", False)], start=start - timedelta(hours=1), end=end + timedelta(hours=1),
                merged_free_busy_interval=30, requested_view="Detailed"))
        finally:
            item.delete()
    assert len(views) == 1, f"exchangelib got {len(views)} free/busy views for one mailbox"
    events = views[0].calendar_events or []
    seen = [(e.start, e.end, e.busy_type) for e in events]
    shown = any(e.start == start and e.end == end and e.busy_type == "Busy" for e in events)
    assert (harness == "passed") == shown, (
        f"ewscheck says {CHECK} {harness}, exchangelib sees events {seen} for a Busy appointment {start}–{end} "
        f"(quirk: {simulator.quirk})")
    assert (harness == "passed") == (simulator.quirk is None)
