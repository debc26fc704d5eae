"""exchangelib 5.6.0, a real EWS client written without reference to ewscheck, against `ewscheck simulate`.

If one of these fails, the simulator does not speak EWS the way exchangelib expects: the failure message
names the step, the exception and the EWS requests and responses exchangelib exchanged (credentials redacted).
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
import wave

import pytest
import requests.adapters
from exchangelib import (
    BASIC,
    IMPERSONATION,
    NTLM,
    UTC,
    Account,
    Build,
    Configuration,
    Credentials,
    FailFast,
    FileAttachment,
    Message,
    Version,
)
from exchangelib.errors import ErrorImpersonateUserDenied, ErrorItemNotFound, ErrorNonExistentMailbox
from exchangelib.protocol import BaseProtocol, close_connections

from conftest import MAILBOXES, NONEXISTENT_MAILBOX, OUT_OF_SCOPE_MAILBOX

EXCHANGE_2019_CU12 = Build(15, 2, 1544, 4)
ALICE = MAILBOXES[0]

# (auth type, index into Simulator.sign_in_names)
AUTH_MODES = {
    "ntlm-domain-backslash-user": (NTLM, 1),
    "ntlm-upn": (NTLM, 0),
    "basic-upn": (BASIC, 0),
}


class Transcript:
    """What went over the wire, request by request (bodies only: headers carry credentials)."""

    def __init__(self, secrets):
        self.secrets = [s for s in secrets if s]
        self.exchanges = []  # (request, response, streamed); bodies are read only when rendered

    def record(self, request, response, streamed: bool):
        self.exchanges.append((request, response, streamed))

    def close(self):
        """Lets go of the responses, which hold on to their connection pools."""
        for _, response, _ in self.exchanges:
            response.close()
        self.exchanges.clear()

    def excerpt(self, value, limit=3000):
        text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"

    def render(self, last=6):
        lines = []
        for request, response, streamed in self.exchanges[-last:]:
            try:
                body = "(streamed)" if streamed else self.excerpt(response.content)
            except Exception as e:  # noqa: BLE001 - the body may be gone with its connection
                body = f"(unreadable: {type(e).__name__})"
            lines.append(
                f"{request.method} {request.url} -> HTTP {response.status_code}\n"
                f"request body:\n{self.excerpt(request.body or b'')}\nresponse body:\n{body}"
            )
        return "\n".join(lines) or "(exchangelib sent no HTTP request)"


class SimulatorAdapter(requests.adapters.HTTPAdapter):
    """Verifies TLS against the simulator's CA only, and records each exchange in `transcript`
    (both set on a subclass)."""

    ca_file = ""
    transcript: Transcript | None = None

    def cert_verify(self, conn, url, verify, cert):
        super().cert_verify(conn=conn, url=url, verify=self.ca_file, cert=cert)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        return super().get_connection_with_tls_context(
            request=request, verify=self.ca_file, proxies=proxies, cert=cert
        )

    def send(self, request, stream=False, **kwargs):
        response = super().send(request, stream=stream, **kwargs)
        if self.transcript is not None:
            self.transcript.record(request, response, streamed=stream)
        return response


@pytest.fixture(scope="module")
def adapter(simulator):
    """Makes exchangelib talk through a SimulatorAdapter, and forgets its cached sessions afterwards."""
    saved = BaseProtocol.HTTP_ADAPTER_CLS
    cls = type("SimulatorCA", (SimulatorAdapter,), {"ca_file": str(simulator.ca_file)})
    BaseProtocol.HTTP_ADAPTER_CLS = cls
    yield cls
    close_connections()
    BaseProtocol.HTTP_ADAPTER_CLS = saved


@pytest.fixture
def transcript(simulator, adapter):
    adapter.transcript = transcript = Transcript([simulator.password])
    yield transcript
    adapter.transcript = None
    transcript.close()
    # exchangelib caches one protocol per (endpoint, credentials), whatever the auth type: start clean.
    close_connections()


@pytest.fixture
def step(transcript):
    """`with step("what"):` turns an exchangelib exception into a failure that shows the EWS exchange."""

    @contextlib.contextmanager
    def run_step(what: str):
        try:
            yield
        except Exception as e:  # noqa: BLE001 - every exception is a finding here
            # `from None` keeps exchangelib's chain of wrapped exceptions out of the report.
            raise pytest.fail.Exception(
                f"exchangelib could not {what}: {type(e).__name__}: {transcript.excerpt(str(e), 1000)}\n"
                f"--- last EWS exchanges ---\n{transcript.render()}",
                pytrace=False,
            ) from None

    return run_step


def account_for(simulator, mailbox: str, mode: str) -> Account:
    auth_type, name_index = AUTH_MODES[mode]
    config = Configuration(
        service_endpoint=simulator.info["loopback_ews_url"],
        credentials=Credentials(simulator.sign_in_names[name_index], simulator.password),
        auth_type=auth_type,
        version=Version(build=EXCHANGE_2019_CU12),
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


def voicemail_wav() -> bytes:
    """A short 8 kHz mono WAV whose samples are random, so any mangling of the bytes shows."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(os.urandom(8000))  # 0.5 s
    return buffer.getvalue()


@pytest.mark.parametrize("mode", AUTH_MODES)
def test_impersonated_inbox_roundtrip_with_attachment(simulator, step, mode):
    account = account_for(simulator, ALICE, mode)
    with step("open alice's inbox (GetFolder)"):
        inbox = account.inbox
    with step("count alice's inbox (FindItem)"):
        before = inbox.all().count()
    assert before == inbox.total_count, "FindItem and GetFolder TotalCount disagree about the inbox"

    audio = voicemail_wav()
    subject = f"Voicemail from +1 555 0100 ({uuid.uuid4()})"
    message = Message(account=account, folder=account.inbox, subject=subject, body="You have a new voicemail.")
    message.attach(FileAttachment(name="vm.wav", content=audio, content_type="audio/wav"))
    with step("save a message with a file attachment (CreateItem)"):
        message.save()
    assert message.id, "CreateItem returned no ItemId"
    deleted = False
    try:
        with step("fetch the saved message (GetItem)"):
            [fetched] = list(account.fetch(ids=[(message.id, message.changekey)]))
        assert not isinstance(fetched, Exception), f"GetItem of the saved message failed: {fetched!r}"
        assert fetched.subject == subject
        assert [a.name for a in fetched.attachments] == ["vm.wav"]
        with step("read the attachment (GetAttachment)"):
            content = fetched.attachments[0].content
        same = content == audio  # compared outside the assert: pytest would print both blobs
        assert same, f"attachment bytes differ: sent {len(audio)} bytes, got {len(content or b'')}"
        with step("count alice's inbox after saving"):
            after_save = inbox.all().count()
        assert after_save == before + 1, f"inbox count {before} -> {after_save} after saving one message"

        with step("hard-delete the message (DeleteItem)"):
            fetched.delete()
        deleted = True
        with step("look for the deleted message (GetItem)"):
            [gone] = list(account.fetch(ids=[(message.id, message.changekey)]))
        assert isinstance(gone, ErrorItemNotFound), f"the deleted message can still be fetched: {gone!r}"
        with step("count alice's inbox after deleting"):
            after_delete = inbox.all().count()
        assert after_delete == before, f"inbox count {before} -> {after_delete} after saving and deleting one message"
    finally:
        if not deleted:
            with contextlib.suppress(Exception):
                message.delete()


def expect_error(transcript, error_cls, action):
    """Runs `action` and fails unless exchangelib raises `error_cls`."""
    try:
        action()
        outcome = "the call succeeded"
    except error_cls:
        return
    except Exception as e:  # noqa: BLE001
        outcome = f"it raised {type(e).__name__}: {transcript.excerpt(str(e), 1000)}"
    pytest.fail(
        f"expected exchangelib to raise {error_cls.__name__}, {outcome}\n"
        f"--- last EWS exchanges ---\n{transcript.render()}",
        pytrace=False,
    )


@pytest.mark.parametrize("mode", AUTH_MODES)
def test_out_of_scope_mailbox_is_denied(simulator, transcript, mode):
    account = account_for(simulator, OUT_OF_SCOPE_MAILBOX, mode)
    expect_error(transcript, ErrorImpersonateUserDenied, lambda: account.inbox)


@pytest.mark.parametrize("mode", AUTH_MODES)
def test_nonexistent_mailbox_is_rejected(simulator, transcript, mode):
    account = account_for(simulator, NONEXISTENT_MAILBOX, mode)
    expect_error(transcript, ErrorNonExistentMailbox, lambda: account.inbox)
