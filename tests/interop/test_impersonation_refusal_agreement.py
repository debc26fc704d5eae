"""exchangelib 5.6.0 and ewscheck agree on the impersonation refusals the product relies on, on exchange-onprem
(Basic, the server version probed by exchangelib) and exchange-online (app-only OAuth):
impersonation.out-of-scope.denied (healthy, and with `impersonation-scope-not-enforced`),
impersonation.malformed-sid.rejected (healthy, and with `malformed-sid-accepted`) and
impersonation.nonexistent-mailbox.rejected (healthy only: no simulator quirk lets a nonexistent mailbox in).

`ewscheck run` judges one check; exchangelib reads the Inbox impersonating the same identity (the
out-of-scope or nonexistent address of the target's negative controls, or the first mailbox's SID with a
sub-authority that is not a number) through its ordinary API, and the test compares who got through and
with which ResponseCode exchangelib was refused. The test fails when the two disagree.
"""

from __future__ import annotations

import json

import pytest
from exchangelib import Account, Identity

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, refusal, resolve_to_simulator  # noqa: F401

from agreement_support import case_simulator
from conftest import MAILBOXES, describe, load_yaml

ALICE = MAILBOXES[0]
# check: (the quirk that breaks it or None, the ResponseCode Exchange refuses with)
CHECKS = {
    "impersonation.out-of-scope.denied": ("impersonation-scope-not-enforced", "ErrorImpersonateUserDenied"),
    "impersonation.nonexistent-mailbox.rejected": (None, "ErrorNonExistentMailbox"),
    "impersonation.malformed-sid.rejected": ("malformed-sid-accepted", "ErrorInvalidSid"),
}
CASES = [(flavor, check, quirk) for flavor in (ON_PREMISES, ONLINE) for check, (broken, _) in CHECKS.items()
         for quirk in ((None, broken) if broken else (None,))]


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    yield from case_simulator(request, start_simulator, tmp_path_factory)


def harness_outcome(simulator, run_ewscheck, tmp_path) -> tuple[str, str]:
    _, check, _ = simulator.case
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "refusal",
                          "--only", check, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "refusal" / "report.json").read_text())
    found = [(r["outcome"], r["message"]) for r in report["results"] if r["id"].split("[")[0] == check]
    assert len(found) == 1, f"{check} ran {len(found)} times: {describe(result)}"
    return found[0]


class AddressedAccount(Account):
    """An Account whose ExchangeImpersonation header may name a form other than the address (exchangelib derives
    the address from the identity, and needs it for the DistinguishedFolderId's Mailbox)."""

    @property
    def primary_smtp_address(self):
        return self.address


def identity_for(simulator, check) -> Identity:
    """The identity the check impersonates, from the simulator's target file."""
    target = load_yaml(simulator.target_file)
    controls = target["negative_controls"]
    if check == "impersonation.out-of-scope.denied":
        return Identity(primary_smtp_address=controls["out_of_scope_mailbox"])
    if check == "impersonation.nonexistent-mailbox.rejected":
        return Identity(primary_smtp_address=controls["nonexistent_mailbox"])
    [sid] = [m["sid"] for m in target["mailboxes"] if m["address"] == ALICE]
    return Identity(sid=sid + "-X1")


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{c.split('.')[1]}-{q or 'healthy'}" for f, c, q in CASES])
def test_impersonation_refusal_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, check, quirk = simulator.case
    harness, message = harness_outcome(simulator, run_ewscheck, tmp_path)
    identity = identity_for(simulator, check)
    address = identity.primary_smtp_address or ALICE
    account = online_account(simulator, address) if flavor == ONLINE else account_for(simulator, address)
    account.__class__, account.address = AddressedAccount, address
    account.identity = identity  # the ExchangeImpersonation header exchangelib sends (and X-AnchorMailbox, for an address)
    with step(f"read the Inbox impersonating {identity}"):
        refused = refusal(lambda: account.inbox.refresh())
    code = CHECKS[check][1]
    # Exchange Online may refuse an out-of-scope mailbox before any SOAP, with a bare HTTP 403 (the harness
    # accepts both forms; exchangelib reports the 403 as a MalformedResponseError).
    forms = (code, "Code: 403") if check == "impersonation.out-of-scope.denied" and flavor == ONLINE else (code,)
    assert (harness == "passed") == (refused is not None and any(form in refused for form in forms)), (
        f"{flavor}: ewscheck says {check} {harness} ({message}), exchangelib impersonating {identity} was "
        f"{'refused: ' + refused if refused else 'let in'} (expected {' or '.join(forms)}; quirk: {quirk})")
    # An app-only token's reach is its application's access policy (a bare 403 outside it), not the
    # ApplicationImpersonation role's scope that `impersonation-scope-not-enforced` opens: both sides stay refused.
    breaks = quirk is not None and (flavor, quirk) != (ONLINE, "impersonation-scope-not-enforced")
    assert (harness == "passed") == (not breaks), f"{flavor} {check} with quirk {quirk}: {harness}: {message}"
