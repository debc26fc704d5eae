"""exchangelib 5.6.0 and ewscheck agree on the ConnectingSID forms and on the two controls that show the
product's access rests on impersonation, healthy and with the quirk that breaks each:

- impersonation.connecting-sid.{smtp-address,principal-name,sid} (`smtp-address-form-refused`,
  `upn-form-refused`, `sid-form-refused`), on exchange-onprem and exchange-online: exchangelib reads the Inbox
  with an Identity of that form only (it then sends no X-AnchorMailbox, the case the harness records);
- impersonation.delegate-access.denied (`delegate-access-allowed`), on exchange-onprem: exchangelib opens the
  first mailbox's Inbox as a delegate (no impersonation header) and is refused with ErrorAccessDenied;
- impersonation.unprivileged-account.denied (`unprivileged-impersonation-allowed`), on exchange-onprem (the
  online target names no unprivileged account): exchangelib signs in as the target's unprivileged account and
  impersonates the first mailbox, refused with ErrorImpersonateUserDenied.

The test fails when ewscheck's verdict and what exchangelib got disagree.
"""

from __future__ import annotations

import json

import pytest
from exchangelib import BASIC, DELEGATE, IMPERSONATION, UTC, Account, Configuration, Credentials, FailFast, Identity

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
from test_impersonation_refusal_agreement import AddressedAccount
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, refusal, resolve_to_simulator  # noqa: F401

from agreement_support import case_simulator
from conftest import MAILBOXES, describe, load_yaml

ALICE = MAILBOXES[0]
FORMS = {
    "impersonation.connecting-sid.smtp-address": "smtp-address-form-refused",
    "impersonation.connecting-sid.principal-name": "upn-form-refused",
    "impersonation.connecting-sid.sid": "sid-form-refused",
}
CONTROLS = {  # check: (quirk, the ResponseCode exchangelib must be refused with when the harness passes)
    "impersonation.delegate-access.denied": ("delegate-access-allowed", "ErrorAccessDenied"),
    "impersonation.unprivileged-account.denied": ("unprivileged-impersonation-allowed", "ErrorImpersonateUserDenied"),
}
CASES = ([(flavor, check, quirk) for flavor in (ON_PREMISES, ONLINE) for check, broken in FORMS.items() for quirk in (None, broken)]
         + [(ON_PREMISES, check, quirk) for check, (broken, _) in CONTROLS.items() for quirk in (None, broken)])


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    yield from case_simulator(request, start_simulator, tmp_path_factory)


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    _, check, _ = simulator.case
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "forms",
                          "--only", check, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "forms" / "report.json").read_text())
    found = [(r["outcome"], r["message"]) for r in report["results"] if r["id"].split("[")[0] == check]
    assert len(found) == 1, f"{check} ran {len(found)} times: {describe(result)}"
    return found[0]


def form_identity(simulator, check) -> Identity:
    [entry] = [m for m in load_yaml(simulator.target_file)["mailboxes"] if m["address"] == ALICE]
    return {"impersonation.connecting-sid.smtp-address": Identity(smtp_address=ALICE),
            "impersonation.connecting-sid.principal-name": Identity(upn=entry["upn"]),
            "impersonation.connecting-sid.sid": Identity(sid=entry["sid"])}[check]


def observe(simulator, flavor, check) -> str | None:
    """None when exchangelib read the Inbox; otherwise what it raised."""
    if check in FORMS:
        account = online_account(simulator, ALICE) if flavor == ONLINE else account_for(simulator, ALICE)
        account.__class__, account.address = AddressedAccount, ALICE
        account.identity = form_identity(simulator, check)
    elif check == "impersonation.delegate-access.denied":
        config = Configuration(service_endpoint=simulator.info["loopback_ews_url"],
                               credentials=Credentials(simulator.sign_in_names[0], simulator.password), auth_type=BASIC,
                               retry_policy=FailFast())
        account = Account(primary_smtp_address=ALICE, config=config, autodiscover=False, access_type=DELEGATE,
                          default_timezone=UTC, locale="en_US")
    else:
        target = load_yaml(simulator.target_file)
        unprivileged = target["negative_controls"]["unprivileged_account"]
        password = (simulator.target_file.parent / unprivileged["password_file"]).read_text()
        config = Configuration(service_endpoint=simulator.info["loopback_ews_url"],
                               credentials=Credentials(unprivileged["username"], password),
                               auth_type=BASIC, retry_policy=FailFast())
        account = Account(primary_smtp_address=ALICE, config=config, autodiscover=False, access_type=IMPERSONATION,
                          default_timezone=UTC, locale="en_US")
    return refusal(lambda: account.inbox.refresh())


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{c.split('.', 1)[1]}-{q or 'healthy'}" for f, c, q in CASES])
def test_impersonation_form_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, check, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    with step(f"read the Inbox of {ALICE} as {check} does"):
        refused = observe(simulator, flavor, check)
    if check in FORMS:
        works = refused is None
    else:
        works = refused is not None and CONTROLS[check][1] in refused
    assert (harness == "passed") == works, (
        f"{flavor}: ewscheck says {check} {harness} ({message}), exchangelib was {'refused: ' + refused if refused else 'let in'} (quirk: {quirk})")
    assert (harness == "passed") == (quirk is None), f"{flavor} {check} with quirk {quirk}: {harness}: {message}"
