"""exchangelib 5.6.0 and ewscheck agree on directory.resolve-names, directory.unknown-name and
directory.contacts-folder, on exchange-onprem (Basic, the server version probed by exchangelib) and
exchange-online (app-only OAuth): against a healthy simulator both resolve the mailbox with its directory
contact, see an unknown name refused with ErrorNameResolutionNoResults and read the Contacts folder; against
a simulator with the check's quirk both see the defect.

`ewscheck run` judges one check for the first mailbox; exchangelib sends the same requests through its own
service classes, impersonating the first mailbox as the product does (ResolveNames is a protocol-level
service in exchangelib: it is given the account's impersonation header by combining it with
EWSAccountService). The test fails when the two disagree, naming what each saw.
"""

from __future__ import annotations

import json

import pytest
from exchangelib.errors import ErrorNameResolutionNoResults
from exchangelib.folders import Contacts
from exchangelib.services import ResolveNames
from exchangelib.services.common import EWSAccountService

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, refusal, resolve_to_simulator  # noqa: F401

from agreement_support import case_simulator, harness_result
from conftest import MAILBOXES, describe

ALICE = MAILBOXES[0]
UNKNOWN_NAME = "no-such-person-zq7"
QUIRKS = {
    "directory.resolve-names": "resolve-names-without-contact-data",
    "directory.unknown-name": "unknown-name-resolves-empty",
    "directory.contacts-folder": "contacts-folder-missing",
}
CASES = [(flavor, check, quirk) for flavor in (ON_PREMISES, ONLINE) for check in QUIRKS for quirk in (None, QUIRKS[check])]


class ImpersonatedResolveNames(EWSAccountService, ResolveNames):
    """exchangelib's ResolveNames, sent with the account's ExchangeImpersonation header."""


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    yield from case_simulator(request, start_simulator, tmp_path_factory)


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    """(outcome, message) of the case's check for the first mailbox."""
    return harness_result(simulator, run_ewscheck, tmp_path, "directory", ALICE)


def observe_resolve_names(account, step) -> tuple[bool, str]:
    with step(f"ResolveNames {ALICE} with ReturnFullContactData"):
        answers = list(ImpersonatedResolveNames(account=account).call(unresolved_entries=[ALICE], return_full_contact_data=True))
    resolved = [(m.email_address if m else None, c.display_name if c else None) for m, c in
                (a for a in answers if isinstance(a, tuple))]
    works = any(address and address.lower() == ALICE and name for address, name in resolved)
    return works, f"resolutions (mailbox, contact display name) {resolved}, errors {[a for a in answers if not isinstance(a, tuple)]}"


def observe_unknown_name(account, step) -> tuple[bool, str]:
    with step(f"ResolveNames {UNKNOWN_NAME}"):
        answers = list(ImpersonatedResolveNames(account=account).call(unresolved_entries=[UNKNOWN_NAME]))
    works = len(answers) == 1 and isinstance(answers[0], ErrorNameResolutionNoResults)
    return works, f"answers {[type(a).__name__ for a in answers]}"


def observe_contacts_folder(account, step) -> tuple[bool, str]:
    # Not account.contacts: exchangelib falls back to finding a folder of the contacts class in the hierarchy
    # when the distinguished folder's GetFolder fails, which the product does not do.
    with step("GetFolder of the distinguished folder contacts"):
        refused = refusal(lambda: Contacts.get_distinguished(root=account.root))
    return refused is None, f"Contacts folder {refused or 'read'}"


OBSERVE = {
    "directory.resolve-names": observe_resolve_names,
    "directory.unknown-name": observe_unknown_name,
    "directory.contacts-folder": observe_contacts_folder,
}


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{c}-{q or 'healthy'}" for f, c, q in CASES])
def test_directory_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, check, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    account = online_account(simulator, ALICE) if flavor == ONLINE else account_for(simulator, ALICE)
    works, seen = OBSERVE[check](account, step)
    assert (harness == "passed") == works, (
        f"{flavor}: ewscheck says {check} {harness} ({message}), exchangelib saw {seen} (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None), f"{flavor} {check} with quirk {quirk}: {harness}: {message}"
