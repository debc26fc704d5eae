#!/usr/bin/env python3
"""The benchmark's per-mailbox voicemail chain driven by exchangelib 5.6.0 (an EWS client written without
reference to ewscheck), for `scripts/bench.py`: one process, one service account with NTLM and
ExchangeImpersonation, against a running `ewscheck simulate` (its state folder's simulator.json).

Per mailbox, the requests `ewscheck run --only 'voicemail.*'` sends for it, as exchangelib makes them:
GetFolder(Inbox); CreateItem of a voicemail (ItemClass IPM.Note.Microsoft.Voicemail.UM.CA, a WAV of
the size ewscheck sends); GetItem; GetFolder(Inbox); GetItem; GetAttachment; DeleteItem (hard);
GetItem (ErrorItemNotFound); FindFolder under the Inbox; FindItem in the Inbox with a restriction.

    .venv/bin/python scripts/bench_exchangelib.py STATE_DIR MAILBOXES

Prints one JSON line: the mailboxes done, this process's CPU seconds spent in the workload loop
(getrusage RUSAGE_SELF, after the imports) and the loop's wall seconds. Exits 1 on the first step that
fails. Never prints a credential."""
import json
import os
import resource
import sys
import time


def main() -> int:
    state_dir, count = sys.argv[1], int(sys.argv[2])
    info = json.load(open(os.path.join(state_dir, "simulator.json")))
    account_info = info["service_account"]
    with open(account_info["password_file"]) as f:
        password = f.read()

    import requests.adapters
    from exchangelib import IMPERSONATION, NTLM, UTC, Account, Build, Configuration, Credentials, FailFast, FileAttachment, Message, Version
    from exchangelib.errors import ErrorItemNotFound
    from exchangelib.folders import FolderCollection
    from exchangelib.protocol import BaseProtocol, close_connections

    ca_file = info["ca_file"]

    class SimulatorCA(requests.adapters.HTTPAdapter):
        """Verifies TLS against the simulator's CA only (as tests/interop/test_exchangelib.py does)."""

        def cert_verify(self, conn, url, verify, cert):
            super().cert_verify(conn=conn, url=url, verify=ca_file, cert=cert)

        def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
            return super().get_connection_with_tls_context(request=request, verify=ca_file, proxies=proxies, cert=cert)

    BaseProtocol.HTTP_ADAPTER_CLS = SimulatorCA
    config = Configuration(
        service_endpoint=info["loopback_ews_url"],
        credentials=Credentials(account_info["username"], password),
        auth_type=NTLM,
        version=Version(build=Build(15, 2, 1544, 4)),
        retry_policy=FailFast(),
    )
    wav = os.urandom(8_000)  # the size class of ewscheck's voicemail WAV (about 8 KB)
    mailboxes = info["mailboxes"][:count]
    if len(mailboxes) < count:
        print(f"bench_exchangelib: the simulator has {len(mailboxes)} mailboxes, not {count}", file=sys.stderr)
        return 1

    usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for n, address in enumerate(mailboxes):
        step = "Account"
        try:
            account = Account(primary_smtp_address=address, config=config, autodiscover=False, access_type=IMPERSONATION,
                              default_timezone=UTC, locale="en_US")
            step = "GetFolder(Inbox)"
            inbox = account.inbox
            step = "CreateItem"
            subject = f"Voice Mail from +1 425 555 0100 (1 second) [bench {n}]"
            message = Message(account=account, folder=inbox, subject=subject, body="You received a voice mail from +1 425 555 0100.",
                              item_class="IPM.Note.Microsoft.Voicemail.UM.CA")
            message.attach(FileAttachment(name="audio.wav", content=wav, content_type="audio/wav"))
            message.save()
            step = "GetItem"
            [stored] = list(account.fetch(ids=[message]))
            if isinstance(stored, Exception) or [a.name for a in stored.attachments] != ["audio.wav"]:
                raise RuntimeError(f"GetItem: {stored!r}")
            step = "GetFolder(Inbox) again"
            inbox.refresh()
            step = "GetItem again"
            [again] = list(account.fetch(ids=[message]))
            step = "GetAttachment"
            if again.attachments[0].content != wav:
                raise RuntimeError("GetAttachment returned other bytes")
            step = "DeleteItem"
            again.delete()
            step = "GetItem of the deleted item"
            [gone] = list(account.fetch(ids=[message]))
            if not isinstance(gone, ErrorItemNotFound):
                raise RuntimeError(f"the deleted item is still there: {gone!r}")
            step = "FindFolder"
            list(FolderCollection(account=account, folders=[inbox]).find_folders())
            step = "FindItem"
            list(inbox.filter(subject=subject).only("subject"))
        except Exception as e:  # noqa: BLE001 - any failure ends the bench run, named
            print(f"bench_exchangelib: mailbox {address}, {step}: {type(e).__name__}: {str(e).replace(password, '<redacted>')[:500]}",
                  file=sys.stderr)
            return 1
    usage1, wall1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    close_connections()
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    print(json.dumps({"mailboxes": len(mailboxes), "loop_cpu_seconds": cpu, "loop_wall_seconds": wall1 - wall0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
