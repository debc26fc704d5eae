"""DavMail (Debian's davmail-server) in EWS mode, an independent EWS client, logs in to the simulator
as a mailbox user (own mailbox, no impersonation) and serves the Inbox over IMAP: the test lists and
fetches it with Python's imaplib.
"""

from __future__ import annotations

import hashlib
import imaplib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import uuid
from email import message_from_bytes
from pathlib import Path

import pytest
from exchangelib import Message

from conftest import MAILBOXES
from test_exchangelib import adapter, step, transcript  # noqa: F401
from test_exchangelib_scenarios import account_for

DAVMAIL_JAR = Path("/usr/share/davmail/davmail.jar")
START_TIMEOUT = 60  # a JVM on a busy 2-core machine
ALICE = MAILBOXES[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def certificate_hash(port: int) -> str:
    """SHA-1 of the simulator's server certificate, in the form davmail.server.certificate.hash takes."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, context.wrap_socket(raw) as tls:
        der = tls.getpeercert(binary_form=True)
    return ":".join(f"{b:02x}" for b in hashlib.sha1(der).digest())


def start_davmail(tmp_path: Path, simulator) -> tuple[subprocess.Popen, int]:
    """Starts DavMail with its own properties file; retries on a port someone else took meanwhile."""
    java = shutil.which("java")
    if not DAVMAIL_JAR.exists() or not java:
        pytest.fail("davmail-server is not installed (scripts/setup.sh installs it)")
    for _ in range(3):
        port = free_port()
        properties = tmp_path / "davmail.properties"
        properties.write_text(
            "\n".join([
                "davmail.server=true",
                "davmail.mode=EWS",
                f"davmail.url={simulator.info['loopback_ews_url']}",
                f"davmail.imapPort={port}",
                "davmail.caldavPort=", "davmail.ldapPort=", "davmail.popPort=", "davmail.smtpPort=",
                "davmail.bindAddress=127.0.0.1",
                "davmail.allowRemote=false",
                f"davmail.server.certificate.hash={certificate_hash(simulator.port)}",
                "davmail.disableUpdateCheck=true",
                "davmail.enableKerberos=false",
                f"davmail.logFilePath={tmp_path / 'davmail.log'}",
                "log4j.rootLogger=WARN",
            ]) + "\n"
        )
        log = (tmp_path / "davmail.out").open("wb")
        process = subprocess.Popen(
            [java, "-jar", str(DAVMAIL_JAR), str(properties)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return process, port
            except OSError:
                time.sleep(0.2)
        stop(process)
    pytest.fail(f"DavMail did not listen for IMAP:\n{(tmp_path / 'davmail.out').read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_davmail_lists_and_fetches_the_inbox_over_imap(simulator, step, tmp_path):
    subject = f"Voicemail for DavMail {uuid.uuid4()}"
    bob = account_for(simulator, MAILBOXES[1])
    with step("bob sends alice a message"):
        Message(account=bob, subject=subject, body="Please call back.", to_recipients=[ALICE]).send()
    password = (simulator.state_dir / "secrets" / "alice.password").read_text()
    process, port = start_davmail(tmp_path, simulator)
    try:
        imap = imaplib.IMAP4("127.0.0.1", port)
        try:
            imap.login(ALICE, password)
            status, data = imap.select("INBOX", readonly=True)
            assert status == "OK", data
            status, data = imap.search(None, "ALL")
            assert status == "OK" and data[0], f"the Inbox lists nothing: {data}"
            subjects = []
            for number in data[0].split():
                status, parts = imap.fetch(number, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                assert status == "OK", parts
                subjects.append(message_from_bytes(parts[0][1])["Subject"])
            assert subject in subjects, f"IMAP subjects: {subjects}"
            number = data[0].split()[subjects.index(subject)]
            status, parts = imap.fetch(number, "(BODY.PEEK[])")
            assert status == "OK"
            fetched = message_from_bytes(parts[0][1])
            assert fetched["Subject"] == subject
            assert b"Please call back." in fetched.get_payload(decode=True)
        finally:
            try:
                imap.logout()
            except Exception:  # noqa: BLE001 - the connection may already be gone
                pass
    except Exception:
        log = tmp_path / "davmail.log"
        print(log.read_text(errors="replace")[-4000:] if log.exists() else "(no DavMail log)")
        raise
    finally:
        stop(process)
    requests = [r for r in simulator.requests() if r.get("user") == ALICE and r.get("impersonated") is None]
    assert requests, "DavMail never called EWS as alice herself"
