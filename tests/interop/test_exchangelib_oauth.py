"""exchangelib 5.6.0 against `ewscheck simulate --flavor exchange-online`: OAuth 2.0 client credentials.

exchangelib fetches its own token from the simulator's token endpoint (its OAuth2Credentials, through
requests-oauthlib) or is handed one fetched with plain requests, then impersonates a mailbox over EWS
with `Authorization: Bearer`. Without impersonation (DELEGATE) an app-only token must get Exchange
Online's fault. The real host names (outlook.office365.com, login.microsoftonline.com) are resolved to
the simulator for this module only, and TLS is verified against the simulator's CA.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest
import requests
import requests.adapters
from exchangelib import DELEGATE, IMPERSONATION, OAUTH2, UTC, Account, Build, Configuration, Contact, FailFast, Identity, Version
from exchangelib.credentials import OAuth2Credentials
from exchangelib.errors import ErrorInvalidExchangeImpersonationHeaderData, ErrorNameResolutionNoResults, MalformedResponseError
from exchangelib.indexed_properties import EmailAddress
from exchangelib.properties import EWS_ID, HEX_ENTRY_ID, AlternateId
from exchangelib.protocol import BaseProtocol, close_connections
from oauthlib.oauth2 import OAuth2Token

from conftest import MAILBOXES, OUT_OF_SCOPE_MAILBOX, Simulator

EXCHANGE_ONLINE = Build(15, 20, 8293, 26)  # what the simulated flavor reports
ALICE = MAILBOXES[0]
HOSTS = ("outlook.office365.com", "login.microsoftonline.com")
MUST_BE_PRESENT = "ExchangeImpersonation SOAP header must be present for this type of OAuth token."


@pytest.fixture(scope="module")
def online(ewscheck, schema_dir, tmp_path_factory):
    """`ewscheck simulate --flavor exchange-online`, stopped when the module is done."""
    state_dir = tmp_path_factory.mktemp("exo") / "state"
    state_dir.mkdir(parents=True)
    stdout_path, stderr_path = state_dir.parent / "sim.stdout", state_dir.parent / "sim.stderr"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            [str(ewscheck), "simulate", "--flavor", "exchange-online", "--state-dir", str(state_dir),
             "--schema-dir", str(schema_dir)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True,
        )
    simulator = Simulator(process, state_dir, stdout_path, stderr_path)
    try:
        simulator.wait_ready()
        assert simulator.info["flavor"] == "exchange-online"
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(scope="module")
def oauth(online) -> dict:
    """The `oauth` section of simulator.json (names files, never secrets), plus the client secret."""
    info = dict(online.info["oauth"])
    secret_file = Path(info["client_secret_file"])
    assert secret_file.stat().st_mode & 0o077 == 0, "the client secret file must be mode 600"
    info["client_secret"] = secret_file.read_text()
    raw = (online.state_dir / "simulator.json").read_text()
    for app in info["applications"]:
        assert Path(app["client_secret_file"]).read_text() not in raw, "simulator.json must name secret files, not hold secrets"
    return info


@pytest.fixture(scope="module", autouse=True)
def resolve_to_simulator():
    """outlook.office365.com and login.microsoftonline.com resolve to 127.0.0.1 (like curl --resolve)."""
    original = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return original("127.0.0.1" if host in HOSTS else host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


class _CAAdapter(requests.adapters.HTTPAdapter):
    ca_file = ""

    def cert_verify(self, conn, url, verify, cert):
        super().cert_verify(conn=conn, url=url, verify=self.ca_file, cert=cert)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        return super().get_connection_with_tls_context(request=request, verify=self.ca_file, proxies=proxies, cert=cert)


@pytest.fixture(autouse=True)
def adapter(online):
    """exchangelib (EWS and its token requests) verifies TLS against the simulator's CA."""
    saved = BaseProtocol.HTTP_ADAPTER_CLS
    BaseProtocol.HTTP_ADAPTER_CLS = type("SimulatorCA", (_CAAdapter,), {"ca_file": str(online.ca_file)})
    yield
    close_connections()
    BaseProtocol.HTTP_ADAPTER_CLS = saved


def simulator_credentials(oauth: dict, **kwargs):
    """exchangelib's own client-credentials class; only the token URL moves to the simulator's port."""
    endpoint = oauth["token_endpoint"]

    class SimulatorOAuth2Credentials(OAuth2Credentials):
        @property
        def token_url(self):
            return endpoint

    return SimulatorOAuth2Credentials(client_id=oauth["client_id"], client_secret=oauth["client_secret"],
                                      tenant_id=oauth["tenant_id"], **kwargs)


def account(oauth: dict, mailbox: str, access_type, credentials=None, pinned: bool = True) -> Account:
    config = Configuration(
        service_endpoint=oauth["ews_url"], credentials=credentials or simulator_credentials(oauth),
        auth_type=OAUTH2, version=Version(build=EXCHANGE_ONLINE) if pinned else None, retry_policy=FailFast(),
    )
    return Account(primary_smtp_address=mailbox, config=config, autodiscover=False, access_type=access_type,
                   default_timezone=UTC, locale="en_US")


def new_requests(simulator, before: int) -> list[dict]:
    return simulator.requests()[before:]


def test_exchangelib_fetches_a_token_and_impersonates_alice(online, oauth):
    before = len(online.requests())
    inbox = account(oauth, ALICE, IMPERSONATION).inbox
    assert inbox.total_count == inbox.all().count()
    seen = new_requests(online, before)
    tokens = [r for r in seen if r.get("operation") == "oauth2/v2.0/token"]
    assert [r["status"] for r in tokens] == [200], f"exchangelib did not get its token from the simulator: {seen}"
    assert tokens[0]["host"].startswith("login.microsoftonline.com:")
    ews = [r for r in seen if r.get("operation") not in (None, "oauth2/v2.0/token")]
    assert ews and all(r["auth_scheme"] == "Bearer" and r["status"] == 200 for r in ews), ews
    assert all(r["host"].startswith("outlook.office365.com:") for r in ews)
    assert all(r["impersonated"] == ALICE and r["anchor_mailbox"] == ALICE for r in ews)
    assert all(r["user"] == f"app:{oauth['client_id']}" for r in ews)


def test_a_token_from_the_token_endpoint_works_as_an_access_token(online, oauth):
    response = requests.post(
        oauth["token_endpoint"],
        data={"grant_type": "client_credentials", "client_id": oauth["client_id"],
              "client_secret": oauth["client_secret"], "scope": oauth["scope"]},
        verify=str(online.ca_file), timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599 and body["ext_expires_in"] == 3599
    token = OAuth2Token(body)
    credentials = simulator_credentials(oauth, access_token=token)
    before = len(online.requests())
    assert account(oauth, MAILBOXES[1], IMPERSONATION, credentials).inbox.total_count >= 0
    assert not [r for r in new_requests(online, before) if r.get("operation") == "oauth2/v2.0/token"], \
        "exchangelib should have used the token it was given"


def test_without_impersonation_an_app_only_token_gets_the_must_be_present_fault(online, oauth):
    with pytest.raises(ErrorInvalidExchangeImpersonationHeaderData) as raised:
        account(oauth, ALICE, DELEGATE).inbox.total_count  # noqa: B018 - the property sends GetFolder
    assert MUST_BE_PRESENT in str(raised.value)


def test_an_out_of_scope_mailbox_is_refused_with_403(online, oauth):
    before = len(online.requests())
    # A bare 403 has no SOAP to map: exchangelib reports it as a malformed response, as it does against EXO.
    with pytest.raises(MalformedResponseError, match="Code: 403"):
        account(oauth, OUT_OF_SCOPE_MAILBOX, IMPERSONATION).inbox.total_count  # noqa: B018
    refused = [r for r in new_requests(online, before) if r.get("impersonated") == OUT_OF_SCOPE_MAILBOX or
               r.get("anchor_mailbox") == OUT_OF_SCOPE_MAILBOX]
    assert refused and all(r["status"] == 403 for r in refused), refused


def test_a_wrong_client_secret_is_refused_by_the_token_endpoint(online, oauth):
    response = requests.post(
        oauth["token_endpoint"],
        data={"grant_type": "client_credentials", "client_id": oauth["client_id"],
              "client_secret": "not-the-secret", "scope": oauth["scope"]},
        verify=str(online.ca_file), timeout=30,
    )
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client" and body["error_codes"] == [7000215]
    assert body["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")


def test_the_generated_target_file_runs_the_suite_with_oauth(online, run_ewscheck, tmp_path):
    result = run_ewscheck("run", "--target", online.target_file, "--reports-dir", tmp_path, "--run-id", "exo")
    report = json.loads((tmp_path / "exo" / "report.json").read_text())
    token = [r for r in report["results"] if r["id"] == "auth.oauth.token"]
    assert token and token[0]["outcome"] == "passed", f"{token}\n{result.stdout[-3000:]}"
    assert report["target"]["auth_scheme"] == "Bearer"
    secret = Path(online.info["oauth"]["client_secret_file"]).read_text()
    for place, text in (("stdout", result.stdout), ("stderr", result.stderr),
                        ("report.json", (tmp_path / "exo" / "report.json").read_text()),
                        ("junit.xml", (tmp_path / "exo" / "junit.xml").read_text())):
        assert secret not in text, f"the client secret appears in {place}"
        assert "Bearer eyJ" not in text, f"a bearer token appears in {place}"


def test_resolve_names_and_convert_id_impersonate_through_the_token_identity(online, oauth):
    """exchangelib sends ResolveNames and ConvertId as protocol-level services: with Basic or NTLM they carry
    no ExchangeImpersonation header, with OAuth2Credentials(identity=...) they do. So the impersonated
    mailbox's own contacts are resolved here (version not pinned: exchangelib probes it), and only in
    that mailbox: impersonating bob, alice's contact is not found."""
    def impersonating(mailbox):
        credentials = simulator_credentials(oauth, identity=Identity(primary_smtp_address=mailbox))
        return account(oauth, mailbox, IMPERSONATION, credentials, pinned=False)

    alice, bob = impersonating(ALICE), impersonating(MAILBOXES[1])
    for probed in (alice, bob):
        assert probed.version.build == EXCHANGE_ONLINE, f"exchangelib probed {probed.version}"
    contact = Contact(account=alice, folder=alice.contacts, display_name="Carla Cliente", given_name="Carla", surname="Cliente",
                      company_name="Fabrikam", email_addresses=[EmailAddress(email="carla@fabrikam.example")])
    contact.save()
    try:
        before = len(online.requests())
        [(mailbox, full)] = list(alice.protocol.resolve_names(["carla"], search_scope="ActiveDirectoryContacts",
                                                             return_full_contact_data=True))
        assert (mailbox.email_address, mailbox.mailbox_type, mailbox.item_id.id) == ("carla@fabrikam.example", "Contact", contact.id)
        assert (full.display_name, full.company_name, full.surname) == ("Carla Cliente", "Fabrikam", "Cliente")
        [only] = list(alice.protocol.resolve_names(["carla"], search_scope="Contacts", parent_folders=[alice.contacts]))
        assert only.email_address == "carla@fabrikam.example"
        [directory_user] = list(alice.protocol.resolve_names(["bob"], search_scope="ActiveDirectory"))
        assert directory_user.email_address == MAILBOXES[1]
        [not_found] = list(bob.protocol.resolve_names(["carla"], search_scope="ActiveDirectoryContacts"))
        assert isinstance(not_found, ErrorNameResolutionNoResults), not_found
        [hex_id] = list(alice.protocol.convert_ids([AlternateId(id=contact.id, format=EWS_ID, mailbox=ALICE)], destination_format=HEX_ENTRY_ID))
        [back] = list(alice.protocol.convert_ids([AlternateId(id=hex_id.id, format=HEX_ENTRY_ID, mailbox=ALICE)], destination_format=EWS_ID))
        assert hex_id.format == HEX_ENTRY_ID and back.id == contact.id
        seen = [r for r in new_requests(online, before) if r.get("operation") in ("ResolveNames", "ConvertId")]
        assert [r["operation"] for r in seen] == ["ResolveNames"] * 4 + ["ConvertId"] * 2
        assert [r["impersonated"] for r in seen] == [ALICE] * 3 + [MAILBOXES[1]] + [ALICE] * 2, seen
    finally:
        contact.delete()
