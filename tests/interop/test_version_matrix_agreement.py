"""exchangelib 5.6.0 and ewscheck agree on ews.request-version.matrix, on exchange-onprem (Basic) and
exchange-online (app-only OAuth): for every RequestServerVersion of the harness's matrix, exchangelib's
impersonated GetFolder(Inbox) sent with that version is accepted or refused (ErrorInvalidServerVersion) as
the harness recorded it, healthy and with `request-versions-before-2010-refused`.

exchangelib negotiates the request version: on ErrorInvalidServerVersion it silently retries with the
others, which would hide a refusal. Here its own GetFolder service is kept to the one version the account
states, and the fault that ended the request is recorded. The test fails when the two matrices differ.
"""

from __future__ import annotations

import json

import pytest
from exchangelib import Build, Mailbox, Version
from exchangelib.properties import DistinguishedFolderId
from exchangelib.services import GetFolder

# The fixtures of the base module: a CA-verifying adapter, a transcript of the exchanges, and `step`.
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for
# Exchange Online's account, and outlook.office365.com / login.microsoftonline.com resolved to the simulator.
from test_policy_block_agreement import ONLINE, ON_PREMISES, online_account, resolve_to_simulator  # noqa: F401

from conftest import MAILBOXES, describe

ALICE = MAILBOXES[0]
CHECK = "ews.request-version.matrix"
BUILDS = {ON_PREMISES: Build(15, 2, 1544, 4), ONLINE: Build(15, 20, 8293, 26)}  # what the simulated flavors report
CASES = [(flavor, quirk) for flavor in (ON_PREMISES, ONLINE) for quirk in (None, "request-versions-before-2010-refused")]


class OneVersionGetFolder(GetFolder):
    """exchangelib's GetFolder, sent with the account's request version only; `refused_with` names the
    fault that ended it."""

    refused_with = None

    def _elems_to_objs(self, elems):
        # The folder elements themselves: exchangelib would parse them into the Folder objects it was given.
        return elems

    def _api_versions_to_try(self):
        return (self._version_hint.api_version,)

    def _get_soap_messages(self, body):
        try:
            return super()._get_soap_messages(body=body)
        except Exception as e:
            self.refused_with = type(e).__name__
            raise


@pytest.fixture(scope="module")
def simulator(request, start_simulator, tmp_path_factory):
    """A simulator of the case's flavor, with the quirk or healthy (None)."""
    flavor, quirk = request.param
    extra = (("--flavor", ONLINE) if flavor == ONLINE else ()) + (("--quirk", quirk) if quirk else ())
    sim = start_simulator(tmp_path_factory.mktemp("sim") / "state", *extra)
    sim.case = (flavor, quirk)
    yield sim
    sim.stop()


def harness_result(simulator, run_ewscheck, tmp_path) -> dict:
    reports = tmp_path / "reports"
    result = run_ewscheck("run", "--target", simulator.target_file, "--reports-dir", reports, "--run-id", "versions",
                          "--only", CHECK, "--mailbox", ALICE)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads((reports / "versions" / "report.json").read_text())
    found = [r for r in report["results"] if r["id"] == CHECK]
    assert len(found) == 1, f"{CHECK} ran {len(found)} times: {describe(result)}"
    return found[0]


def exchangelib_cell(simulator, flavor, api_version) -> str:
    """accepted, refused (ErrorInvalidServerVersion) or other, as the harness's matrix writes them."""
    account = online_account(simulator, ALICE) if flavor == ONLINE else account_for(simulator, ALICE)
    account.version = Version(build=BUILDS[flavor], api_version=api_version)
    service = OneVersionGetFolder(account=account)
    inbox = DistinguishedFolderId(id="inbox", mailbox=Mailbox(email_address=ALICE))
    try:
        answers = list(service.call(folders=[inbox], additional_fields=[], shape="IdOnly"))
    except Exception as e:  # noqa: BLE001 - the refusal is the finding
        return "refused" if service.refused_with == "ErrorInvalidServerVersion" else f"other ({type(e).__name__})"
    return "accepted" if len(answers) == 1 and not isinstance(answers[0], Exception) else f"other ({answers})"


@pytest.mark.parametrize("simulator", CASES, indirect=True, ids=[f"{f}-{q or 'healthy'}" for f, q in CASES])
def test_version_matrix_verdicts_agree(simulator, run_ewscheck, tmp_path, step):
    flavor, quirk = simulator.case
    harness = harness_result(simulator, run_ewscheck, tmp_path)
    matrix = dict(cell.split("=") for cell in harness["facts"]["matrix"].split(", "))
    assert "Exchange2007_SP1" in matrix and "Exchange2016" in matrix, matrix
    with step(f"GetFolder(Inbox) with each of the {len(matrix)} request versions"):
        seen = {version: exchangelib_cell(simulator, flavor, version) for version in matrix}
    differ = {v: (matrix[v], seen[v]) for v in matrix if matrix[v] != seen[v]}
    assert not differ, f"{flavor}: ewscheck's matrix and exchangelib's differ (version: (ewscheck, exchangelib)): {differ} (quirk: {quirk})"
    assert (harness["outcome"] == "passed") == (quirk is None), f"{flavor} with quirk {quirk}: {harness['outcome']}: {harness['message']}"
    if quirk:
        assert seen["Exchange2007_SP1"] == "refused" and seen["Exchange2010"] == "accepted", seen
