"""curl, an NTLM/Basic client independent of ewscheck, against `ewscheck simulate`.

The password reaches curl through a config file read from stdin (`-K -`), never through argv.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import MAILBOXES, NONEXISTENT_MAILBOX, OUT_OF_SCOPE_MAILBOX, run

NS = {
    "s": "http://schemas.xmlsoap.org/soap/envelope/",
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
    "e": "http://schemas.microsoft.com/exchange/services/2006/errors",
}

ALICE = MAILBOXES[0]


def get_inbox_as(mailbox: str) -> str:
    """GetFolder(inbox) impersonating `mailbox` by primary SMTP address (schema v2017)."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
               xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
  <soap:Header>
    <t:RequestServerVersion Version="Exchange2016" />
    <t:ExchangeImpersonation>
      <t:ConnectingSID>
        <t:PrimarySmtpAddress>{mailbox}</t:PrimarySmtpAddress>
      </t:ConnectingSID>
    </t:ExchangeImpersonation>
  </soap:Header>
  <soap:Body>
    <m:GetFolder>
      <m:FolderShape>
        <t:BaseShape>Default</t:BaseShape>
      </m:FolderShape>
      <m:FolderIds>
        <t:DistinguishedFolderId Id="inbox" />
      </m:FolderIds>
    </m:GetFolder>
  </soap:Body>
</soap:Envelope>
"""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def xml(self) -> ET.Element:
        try:
            return ET.fromstring(self.body)
        except ET.ParseError as e:
            pytest.fail(f"HTTP {self.status} body is not XML ({e}):\n{self.body[:2000]}")


def curl_config_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def curl(simulator, tmp_path: Path, *, method="POST", auth=None, user=None, password=None, body=None,
         headers=()) -> Response:
    """One request to the simulator's EWS URL by its real host name (pinned to 127.0.0.1), trusting only
    the simulator's CA."""
    url = simulator.info["ews_url"]
    header_file, body_file = tmp_path / "curl.headers", tmp_path / "curl.body"
    args = [
        "curl", "--silent", "--show-error", "--max-time", "30",
        "--cacert", simulator.ca_file,
        "--resolve", f"mail.contoso.com:{simulator.port}:127.0.0.1",
        "--dump-header", header_file, "--output", body_file,
        "--write-out", "%{http_code}",
        "--config", "-",  # the credentials, read from stdin
    ]
    if method == "POST":
        request_file = tmp_path / "request.xml"
        request_file.write_text(body)
        args += ["--data-binary", f"@{request_file}", "-H", "Content-Type: text/xml; charset=utf-8"]
    else:
        args += ["--request", method]
    for h in headers:
        args += ["-H", h]
    config = ""
    if auth:
        args.append(f"--{auth}")
        config = f"user = {curl_config_quote(f'{user}:{password}')}\n"
    args.append(url)

    result = run(args, input=config, stdin=None, timeout=60)
    assert result.returncode == 0, f"curl failed ({result.returncode}): {result.stderr.strip()}"
    # With NTLM the header file holds every leg; the last block is the final response.
    blocks = [b for b in header_file.read_text(errors="replace").replace("\r\n", "\n").split("\n\n") if b.strip()]
    final = blocks[-1].splitlines() if blocks else []
    headers_out = [tuple(s.strip() for s in line.split(":", 1)) for line in final[1:] if ":" in line]
    return Response(int(result.stdout.strip() or 0), headers_out, body_file.read_text(errors="replace"))


def response_code(root: ET.Element) -> str | None:
    code = root.find(".//m:GetFolderResponseMessage/m:ResponseCode", NS)
    return code.text if code is not None else None


def fault_code(root: ET.Element) -> str | None:
    fault = root.find("s:Body/s:Fault", NS)
    if fault is None:
        return None
    detail = fault.find("detail/e:ResponseCode", NS)
    return detail.text if detail is not None else None


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth,name_form",
    [("ntlm", 1), ("ntlm", 0), ("ntlm", 2), ("basic", 0)],
    ids=["ntlm-domain-backslash-user", "ntlm-upn", "ntlm-bare-user", "basic-upn"],
)
def test_getfolder_impersonating_alice_succeeds(simulator, tmp_path, auth, name_form):
    user = simulator.sign_in_names[name_form]
    r = curl(simulator, tmp_path, auth=auth, user=user, password=simulator.password,
             body=get_inbox_as(ALICE), headers=[f"X-AnchorMailbox: {ALICE}"])
    assert r.status == 200, f"HTTP {r.status} for {auth} as {user!r}:\n{r.body[:2000]}"
    root = r.xml()
    assert response_code(root) == "NoError", r.body[:2000]
    folder = root.find(".//m:Folders/t:Folder", NS)
    assert folder is not None and folder.find("t:FolderId", NS) is not None, r.body[:2000]


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_wrong_password_gets_401(simulator, tmp_path, auth):
    user = simulator.sign_in_names[1 if auth == "ntlm" else 0]
    r = curl(simulator, tmp_path, auth=auth, user=user, password=simulator.password + "-wrong",
             body=get_inbox_as(ALICE))
    assert r.status == 401, f"HTTP {r.status} with a wrong password ({auth}):\n{r.body[:2000]}"


def test_unauthenticated_get_offers_ntlm(simulator, tmp_path):
    r = curl(simulator, tmp_path, method="GET")
    assert r.status == 401
    schemes = [v.split()[0].lower() for v in r.header_values("WWW-Authenticate") if v]
    assert "ntlm" in schemes, f"WWW-Authenticate offers {r.header_values('WWW-Authenticate')}"


@pytest.mark.parametrize(
    "mailbox,code",
    [(OUT_OF_SCOPE_MAILBOX, "ErrorImpersonateUserDenied"), (NONEXISTENT_MAILBOX, "ErrorNonExistentMailbox")],
)
def test_impersonation_refusal_is_http_500_soap_fault(simulator, tmp_path, mailbox, code):
    r = curl(simulator, tmp_path, auth="ntlm", user=simulator.sign_in_names[1], password=simulator.password,
             body=get_inbox_as(mailbox), headers=[f"X-AnchorMailbox: {mailbox}"])
    assert r.status == 500, f"HTTP {r.status} impersonating {mailbox}:\n{r.body[:2000]}"
    root = r.xml()
    assert fault_code(root) == code, r.body[:2000]
    faultcode = root.find("s:Body/s:Fault/faultcode", NS)
    assert faultcode is not None and faultcode.text.endswith(f":{code}"), r.body[:2000]


def test_request_log_records_ntlm_impersonation_without_tokens(simulator, tmp_path):
    before = len(simulator.requests())
    r = curl(simulator, tmp_path, auth="ntlm", user=simulator.sign_in_names[1], password=simulator.password,
             body=get_inbox_as(ALICE), headers=[f"X-AnchorMailbox: {ALICE}"])
    assert r.status == 200
    new = simulator.requests()[before:]
    final = [e for e in new if e.get("status") == 200 and e.get("operation") == "GetFolder"]
    assert final, f"no logged 200 GetFolder among {new}"
    entry = final[-1]
    assert str(entry.get("auth_scheme")).lower() == "ntlm", entry
    assert str(entry.get("impersonated")).lower() == ALICE, entry
    assert str(entry.get("anchor_mailbox")).lower() == ALICE, entry
    assert entry.get("tls") not in (None, False, "", "none"), entry
    assert "svc-ewscheck" in str(entry.get("user")).lower(), entry
    raw = simulator.request_log.read_text()
    assert "TlRMTVNTUA" not in raw, "the request log holds an NTLM token (base64 'NTLMSSP')"
