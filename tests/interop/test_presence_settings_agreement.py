"""exchangelib 5.6.0 and ewscheck agree on presence.oof-settings and presence.working-hours, on exchange-onprem
(Basic, the server version probed by exchangelib) and exchange-online (app-only OAuth): against a healthy
simulator both read the impersonated mailbox's out-of-office settings and its working hours with their time
zone; against a simulator with the check's quirk (`oof-settings-refused`, `working-hours-missing`) both see
the defect.

`ewscheck run` judges one check for the first mailbox; exchangelib reads the same through its ordinary API
(`Account.oof_settings`, `Protocol.get_free_busy_info`). The test fails when the two disagree, naming what
each saw.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from exchangelib import UTC, EWSDateTime, Identity
from exchangelib.credentials import OAuth2Credentials

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, refusal, resolve_to_simulator  # noqa: F401

from agreement_support import case_simulator, harness_result
from conftest import MAILBOXES, describe

ALICE = MAILBOXES[0]
QUIRKS = {
    "presence.oof-settings": "oof-settings-refused",
    "presence.working-hours": "working-hours-missing",
}
CASES = [(flavor, check, quirk) for flavor in (ON_PREMISES, ONLINE) for check in QUIRKS for quirk in (None, QUIRKS[check])]


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    yield from case_simulator(request, start_simulator, tmp_path_factory)


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    """(outcome, message) of the case's check for the first mailbox."""
    return harness_result(simulator, run_ewscheck, tmp_path, "presence", ALICE)


def observe_oof_settings(account, step) -> tuple[bool, str]:
    settings = []
    with step("read the mailbox's out-of-office settings (GetUserOofSettings)"):
        refused = refusal(lambda: settings.append(account.oof_settings))
    state = getattr(settings[0], "state", None) if settings else None
    return (refused is None and state is not None), f"{refused or f'OofSettings with state {state}'}"


def observe_working_hours(account, step) -> tuple[bool, str]:
    credentials = account.protocol.credentials
    if isinstance(credentials, OAuth2Credentials):
        # GetUserAvailability is a protocol-level service in exchangelib: an app-only token impersonates the
        # credentials' identity (Exchange Online refuses it without an ExchangeImpersonation header).
        credentials.identity = Identity(primary_smtp_address=account.primary_smtp_address)
    with step("read the mailbox's availability for the next day (GetUserAvailability)"):
        start = EWSDateTime.now(tz=UTC).replace(minute=0, second=0, microsecond=0)
        views = list(account.protocol.get_free_busy_info(
            accounts=[(account, "Organizer", False)], start=start, end=start + timedelta(days=1),
            merged_free_busy_interval=30, requested_view="Detailed"))
    assert len(views) == 1, f"exchangelib got {len(views)} free/busy views for one mailbox"
    hours, zone = views[0].working_hours or [], views[0].working_hours_timezone
    return (bool(hours) and zone is not None), f"working hours {[(h.weekdays, h.start, h.end) for h in hours]}, time zone {zone}"


OBSERVE = {
    "presence.oof-settings": observe_oof_settings,
    "presence.working-hours": observe_working_hours,
}


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{c}-{q or 'healthy'}" for f, c, q in CASES])
def test_presence_settings_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, check, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = online_account(simulator, ALICE) if flavor == ONLINE else account_for(simulator, ALICE)
    works, seen = OBSERVE[check](account, step)
    assert (harness == "passed") == works, (
        f"{flavor}: ewscheck says {check} {harness} ({message}), exchangelib saw {seen} (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None), f"{flavor} {check} with quirk {quirk}: {harness}: {message}"
    if quirk == "oof-settings-refused":
        assert "ErrorAccessDenied" in seen and "ErrorAccessDenied" in message, (seen, message)
