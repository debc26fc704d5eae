"""exchangelib 5.6.0 and ewscheck agree on EWS blocked by tenant policy (issue 10 point 9): for each of the
simulator's five policy quirks, on the flavors where Exchange applies it, exchangelib gets the same refusal
(HTTP 403) for the same requests where ewscheck fails, and gets through where ewscheck passes.

ewscheck judges `auth.service-account` and the impersonated GetFolder of the policy mailbox (the last in-scope
mailbox, the one the per-mailbox quirks block). exchangelib, through its ordinary API, sends the service
account's own request (on premises: ResolveNames, which exchangelib sends without impersonation), and reads
the Inbox impersonating the first mailbox and the policy mailbox: on premises with NTLM's Basic sibling,
in Exchange Online with the consented application's client-credentials token. The test fails when the two
disagree, naming what each saw.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from exchangelib import BASIC, IMPERSONATION, OAUTH2, UTC, Account, Build, Configuration, Credentials, FailFast, Version
from exchangelib.credentials import OAuth2Credentials

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401

from conftest import MAILBOXES, describe

ALICE, POLICY_MAILBOX = MAILBOXES[0], MAILBOXES[-1]
AUTH, GET_FOLDER = "auth.service-account", "impersonation.primary-smtp.getfolder"
EXCHANGE_ONLINE = Build(15, 20, 8293, 26)  # what the simulated flavors report
EXCHANGE_2019 = Build(15, 2, 1544, 4)
HOSTS = ("outlook.office365.com", "login.microsoftonline.com")

ON_PREMISES, ONLINE = "exchange-onprem", "exchange-online"
CASES = [
    (ON_PREMISES, None), (ON_PREMISES, "organization-ews-disabled"), (ON_PREMISES, "app-not-on-ews-allow-list"),
    # On premises a mailbox's own EwsEnabled does not bind impersonation: both sides get through.
    (ON_PREMISES, "mailbox-ews-disabled"),
    (ONLINE, None), (ONLINE, "organization-ews-disabled"), (ONLINE, "app-not-on-ews-allow-list"),
    (ONLINE, "mailbox-ews-disabled"), (ONLINE, "mailbox-kiosk-licence"), (ONLINE, "application-access-policy-excludes-mailbox"),
]


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor with its policy quirk (none for a healthy tenant)."""
    flavor, quirk = request.param
    extra = (("--flavor", ONLINE) if flavor == ONLINE else ()) + (("--quirk", quirk) if quirk else ())
    sim = start_simulator(tmp_path_factory.mktemp("sim") / "state", *extra)
    sim.case = (flavor, quirk)
    yield sim
    sim.stop()


@pytest.fixture(scope="module", autouse=True)
def resolve_to_simulator():
    """outlook.office365.com and login.microsoftonline.com resolve to 127.0.0.1 (like curl --resolve)."""
    original = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return original("127.0.0.1" if host in HOSTS else host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


def online_account(simulator, mailbox: str) -> Account:
    """exchangelib's own client-credentials class for the consented application; only the token URL
    moves to the simulator's port."""
    oauth = simulator.info["oauth"]
    endpoint = oauth["token_endpoint"]

    class SimulatorOAuth2Credentials(OAuth2Credentials):
        @property
        def token_url(self):
            return endpoint

    credentials = SimulatorOAuth2Credentials(client_id=oauth["client_id"], client_secret=Path(oauth["client_secret_file"]).read_text(),
                                             tenant_id=oauth["tenant_id"])
    config = Configuration(service_endpoint=oauth["ews_url"], credentials=credentials, auth_type=OAUTH2,
                           version=Version(build=EXCHANGE_ONLINE), retry_policy=FailFast())
    return Account(primary_smtp_address=mailbox, config=config, autodiscover=False, access_type=IMPERSONATION,
                   default_timezone=UTC, locale="en_US")


def onprem_account(simulator, mailbox: str) -> Account:
    """The service account impersonating `mailbox`, with the server version given (exchangelib would
    probe it with a request of the service account's own, which the organisation's settings refuse)."""
    config = Configuration(service_endpoint=simulator.info["loopback_ews_url"],
                           credentials=Credentials(simulator.sign_in_names[0], simulator.password), auth_type=BASIC,
                           version=Version(build=EXCHANGE_2019), retry_policy=FailFast())
    return Account(primary_smtp_address=mailbox, config=config, autodiscover=False, access_type=IMPERSONATION,
                   default_timezone=UTC, locale="en_US")


def harness_outcomes(simulator, run_ewscheck, tmp_path) -> dict[str, str]:
    """What `ewscheck run` says about the service account and the policy mailbox's impersonated GetFolder."""
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "policy",
                          "--only", GET_FOLDER, "--mailbox", POLICY_MAILBOX)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "policy" / "report.json").read_text())
    outcomes = {r["id"]: r["outcome"] for r in report["results"] if r["id"] in (AUTH, GET_FOLDER)}
    assert set(outcomes) == {AUTH, GET_FOLDER}, describe(result)
    return outcomes


def refusal(action) -> str | None:
    """None when exchangelib's request got through; otherwise what exchangelib raised."""
    try:
        action()
    except Exception as e:  # noqa: BLE001 - the refusal is the finding
        return f"{type(e).__name__}: {e}"
    return None


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{q or 'healthy'}" for f, q in CASES])
def test_policy_block_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, quirk = simulator.case
    harness = harness_outcomes(simulator, run_ewscheck, tmp_path)
    if flavor == ONLINE:
        alice, blocked = online_account(simulator, ALICE), online_account(simulator, POLICY_MAILBOX)
        # An app-only token has no mailbox of its own: every request it makes impersonates one.
        own = refusal(lambda: alice.inbox.refresh())
    else:
        alice, blocked = onprem_account(simulator, ALICE), onprem_account(simulator, POLICY_MAILBOX)
        own = refusal(lambda: list(alice.protocol.resolve_names(["bob"])))
    impersonated = refusal(lambda: blocked.inbox.refresh())
    seen = f"ewscheck: {harness}; exchangelib: own request {own or 'answered'}, impersonating {POLICY_MAILBOX} {impersonated or 'answered'} (quirk: {quirk}, {flavor})"
    assert (harness[AUTH] == "failed") == (own is not None), seen
    if harness[GET_FOLDER] != "skipped":
        assert (harness[GET_FOLDER] == "failed") == (impersonated is not None), seen
    for what in (own, impersonated):
        assert what is None or "403" in what, f"exchangelib was refused otherwise than with Exchange's 403: {seen}"
    harness_fails = "failed" in harness.values()
    assert harness_fails == (quirk is not None and (flavor, quirk) != (ON_PREMISES, "mailbox-ews-disabled")), seen
