"""A tiny HTTPS server that authenticates NTLM with pyspnego's acceptor, independent of ewscheck.

Usage: ntlm_acceptor_server.py CERT KEY LOG_FILE READY_FILE
NTLM_USER_FILE must name a `DOMAIN:USER:PASSWORD` file. Each connection gets its own acceptor
context (NTLM authenticates the connection, as IIS does). Every handshake outcome is appended to
LOG_FILE as one JSON line: {"event": "authenticated", "user": ...} or {"event": "rejected", ...}.
Authenticated EWS POSTs are answered with ErrorMissingEmailAddress, as Exchange answers an account
without a mailbox: an EWS-level answer after authentication, enough for ewscheck's
auth.service-account; this server is not an Exchange.
"""

from __future__ import annotations

import base64
import json
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import spnego
from spnego.exceptions import SpnegoError

# What Exchange answers an authenticated account without a mailbox that asks for its Inbox: an
# EWS-level answer after authentication, which is what proves the credentials (no EWS here).
ANSWER = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    '<m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>'
    '<m:GetFolderResponseMessage ResponseClass="Error"><m:MessageText>pyspnego acceptor: authenticated; '
    'no mailbox here.</m:MessageText><m:ResponseCode>ErrorMissingEmailAddress</m:ResponseCode>'
    '<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:GetFolderResponseMessage></m:ResponseMessages>'
    "</m:GetFolderResponse></s:Body></s:Envelope>"
).encode()

_log_lock = threading.Lock()


def log(path: str, record: dict) -> None:
    with _log_lock, open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the NTLM legs share the connection
    log_file = ""

    def setup(self) -> None:
        super().setup()
        self.context = None
        self.user = None

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _challenge(self, token: bytes | None = None) -> None:
        value = "NTLM" if token is None else "NTLM " + base64.b64encode(token).decode()
        self._send(401, {"WWW-Authenticate": value})

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        auth = self.headers.get("Authorization")
        if auth is None and self.user is None:
            return self._challenge()
        if auth is not None:
            scheme, _, data = auth.partition(" ")
            if scheme.lower() != "ntlm" or not data:
                return self._challenge()
            token = base64.b64decode(data)
            # A Type 1 message starts a new handshake on this connection.
            if self.context is None or token[8:9] == b"\x01":
                self.context = spnego.server(protocol="ntlm")
                self.user = None
            try:
                out = self.context.step(token)
            except SpnegoError as e:
                log(self.log_file, {"event": "rejected", "error": str(e).splitlines()[0][:200]})
                self.context = None
                return self._challenge()
            if not self.context.complete:
                return self._challenge(out)
            self.user = self.context.client_principal
            log(self.log_file, {"event": "authenticated", "user": self.user})
            self.context = None
        if self.command == "POST":
            return self._send(200, {"Content-Type": "text/xml; charset=utf-8"}, ANSWER)
        self._send(200, {"Content-Type": "text/plain"}, b"authenticated")

    do_GET = _handle
    do_POST = _handle


def main() -> None:
    cert, key, log_file, ready = sys.argv[1:5]
    Handler.log_file = log_file
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    with open(ready, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
