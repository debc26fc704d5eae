"""A hostile EWS and Autodiscover provider for the interop tests (Python standard library only).

It sits in front of `ewscheck simulate` as a man in the middle: every request to
`https://<behaviour>.hostile.test/…` (or `mail.<behaviour>.hostile.test`, `autodiscover.<behaviour>.hostile.test`)
is either answered by the behaviour itself or forwarded to the simulator and the answer bent the way
a broken or malicious server or proxy would bend it. The behaviour is named by the host, so runs of
different behaviours never see each other's traffic.

Beside the TLS listener it runs a plain-HTTP *trap* listener: anything that reaches it is recorded,
and the tests assert that no request carrying credentials ever does (entities, XIncludes and schema
locations in hostile XML point at it too, so a fetch would show). A TLS listener that speaks only
TLS 1.0, and one that accepts TCP connections and never speaks (a stalled handshake), complete it.
The certificates (a private CA, a server certificate for every behaviour's names, a self-signed one
and one that expired in 2020) are made with the openssl command.

Nothing is ever held longer than STALL_LIMIT seconds, and stopping the server releases every stall.

Every behaviour is listed in BEHAVIOURS with one line saying what it does; the tests in
test_hostile_provider.py run the real `ewscheck run` against each one.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import struct
import subprocess
import threading
import warnings
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DOMAIN = "hostile.test"
FOREIGN_HOST = "evil.example"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"
MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
STALL_LIMIT = 30.0  # no handler of this server ever holds a connection longer than this

# name -> what it does (the tests carry the outcome each one must produce)
BEHAVIOURS: dict[str, str] = {
    # XML
    "xml-malformed": "EWS answers are cut off in the middle of an element",
    "xml-billion-laughs": "EWS answers carry a DOCTYPE with nested entities (billion laughs)",
    "xml-external-entity": "EWS answers carry a DOCTYPE whose SYSTEM entity points at the trap listener",
    "xml-parameter-entity": "EWS answers carry an external parameter entity (blind XXE)",
    "xml-deep-nesting": "EWS answers nest 100,000 elements",
    "xml-many-elements": "EWS answers hold 4.5 million empty elements",
    "xml-huge-attribute": "EWS answers carry a 20 MB attribute value",
    "xml-invalid-utf8": "EWS answers declare UTF-8 and carry Latin-1 bytes",
    "xml-utf16": "EWS answers are UTF-16 with a BOM",
    "xml-nul-bytes": "EWS answers contain NUL bytes",
    "xml-not-soap": "EWS answers are well-formed XML without a SOAP envelope",
    "xml-odd-prefixes": "EWS answers use unusual namespace prefixes and a default namespace (conformant)",
    "xml-bom-and-comments": "EWS answers start with a UTF-8 BOM and carry comments and a PI (conformant)",
    "wsdl-foreign-address": "Services.wsdl names its service address (soap:address) on another domain",
    "soap12": "EWS answers are SOAP 1.2 envelopes (application/soap+xml)",
    "xml-xinclude": "EWS answers carry an XInclude of a URL on the trap listener (must stay inert)",
    "xml-schema-location": "EWS answers carry an xsi:schemaLocation on the trap listener (must stay inert)",
    "xml-undeclared-entity": "EWS answers use an HTML entity (&nbsp;) no DTD declares",
    # sizes and timing
    "huge-body": "EWS answers are 80 MiB of XML (over the 64 MiB cap)",
    "huge-header": "EWS answers carry a 2 MiB header line",
    "stalled-body": "headers and half the body, then nothing",
    "stall-before-headers": "the request is read and never answered",
    "slow-drip": "the answer comes one byte every 300 ms",
    "reset-mid-body": "TCP reset after half the body",
    "close-before-headers": "the connection is closed without any answer",
    "short-body": "Content-Length promises more than is sent, then close",
    "chunked-garbage": "Transfer-Encoding: chunked with a chunk size that is not hex",
    "garbage-status-line": "a status line that is not HTTP",
    "many-headers": "3,000 response headers (about 300 KB)",
    "duplicate-content-length": "two different Content-Length headers (response smuggling)",
    "gzip-unasked": "a gzip-encoded body the client never asked for",
    # HTTP
    "html-error-page": "HTTP 500 with an IIS-style HTML error page",
    "html-login-page": "HTTP 200 with a single-sign-on login page",
    "redirect-loop": "every request redirected to itself",
    "redirect-to-http": "every request redirected to plain HTTP on the trap listener",
    "redirect-foreign": "every request redirected to another domain",
    "status-500-empty": "HTTP 500 without a body",
    "status-503-retry-after": "HTTP 503 with Retry-After and no body",
    "status-404": "HTTP 404 on the EWS path",
    "status-502-proxy": "HTTP 502 from a reverse proxy, with its HTML page",
    "status-407": "HTTP 407 proxy authentication required from the server itself",
    "json-instead-of-xml": "HTTP 200 with a JSON body",
    "empty-200": "HTTP 200 with an empty body",
    "wrong-content-type": "conformant SOAP answers labelled text/plain",
    "status-429": "HTTP 429 Too Many Requests with Retry-After to authenticated requests",
    # SOAP faults and lost writes
    "bare-fault": "every authenticated request answered with a SOAP Fault without EWS detail",
    "server-busy": "every authenticated request answered with ErrorServerBusy (BackOffMilliseconds 50)",
    "server-busy-on-create": "CreateItem always answered with ErrorServerBusy",
    "server-busy-once": "the first CreateItem answered ErrorServerBusy (BackOffMilliseconds 50), later ones served",
    "status-503-on-create": "CreateItem answered HTTP 503 by a load balancer (mid-run, after EWS answered)",
    "createitem-not-stored": "CreateItem answered NoError with an item id it never stored",
    "getitem-other-itemid": "GetItem answers carry a different ItemId than the one asked for",
    "deleteitem-not-deleted": "DeleteItem answered NoError without deleting",
    "no-server-version": "EWS answers carry no ServerVersionInfo",
    "success-class-error-code": "ResponseClass Success with an error ResponseCode",
    "itemclass-changed": "GetItem answers say the voicemail is an IPM.Note",
    "attachment-corrupted": "GetAttachment answers bytes other than the ones stored",
    "unread-count-stuck": "GetFolder always answers UnreadCount 0",
    "impersonation-ignored": "impersonating the out-of-scope mailbox works (the server ignores the scope)",
    "nonexistent-mailbox-accepted": "impersonating a mailbox that does not exist works",
    # Autodiscover (the run discovers its EWS URL from <behaviour>.hostile.test)
    "ad-foreign-ews-url": "Autodiscover names an EwsUrl on another domain",
    "ad-redirect-addr-foreign": "Autodiscover answers redirectAddr to an address in another domain",
    "ad-redirect-addr-loop": "Autodiscover answers redirectAddr to the same address, forever",
    "ad-redirect-addr-chain": "Autodiscover redirectAddr through three addresses of the same domain, then settings (conformant)",
    "ad-redirect-url-chain": "Autodiscover answers redirectUrl to another URL, 20 hops",
    "ad-http-redirect-loop": "the Autodiscover URL redirects to itself",
    "ad-html": "Autodiscover answers an HTML login page",
    "ad-billion-laughs": "Autodiscover answers carry a billion-laughs DOCTYPE",
    "ad-nothing": "every Autodiscover URL answers 404",
    "ad-ews-url-http": "Autodiscover names an http:// EwsUrl (on the trap listener)",
    "ad-redirect-url-http": "Autodiscover answers redirectUrl to an http:// URL (on the trap listener)",
    "ad-http-redirect-foreign": "the plain-HTTP redirect method sends the client to another domain",
    "ad-v2-deep-json": "Autodiscover v2 answers JSON nested 10,000 deep; every XML method answers 404",
    "ad-v2-huge-json": "Autodiscover v2 answers 1 MB of JSON; every XML method answers 404",
    # TLS
    "tls-self-signed": "a self-signed certificate the run does not trust",
    "tls-wrong-host": "a trusted certificate for another name",
    "tls-expired": "a certificate from the trusted CA that expired in 2020",
    "tls-1.0-only": "a server that speaks nothing newer than TLS 1.0",
    "tls-plain-http": "plain HTTP on the https port",
    "tls-handshake-stall": "TCP accepted, TLS handshake never answered",
    # auth
    "auth-401-forever": "401 with a Basic challenge whatever is sent",
    "auth-401-no-scheme": "401 without any WWW-Authenticate header",
    "auth-401-unknown-scheme": "401 offering only a scheme nobody knows",
    "auth-403": "403 Forbidden to authenticated requests",
}


@dataclass
class Record:
    """One request a listener received."""

    listener: str  # "tls", "trap" or "raw"
    host: str
    method: str
    path: str
    authorization: str | None  # only the scheme is kept; the tests need no more
    has_credentials: bool


@dataclass
class Certificates:
    ca: Path
    cert: Path
    key: Path
    self_signed_cert: Path
    self_signed_key: Path


def make_certificates(directory: Path, names: list[str]) -> Certificates:
    """A private CA, a server certificate for every name in `names`, and a self-signed certificate."""
    directory.mkdir(parents=True, exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=Hostile Test CA")
    (directory / "san.ext").write_text(
        "subjectAltName=" + ",".join(f"DNS:{n}" for n in names) + "\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
    )
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", f"/CN={names[0]}")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem",
            "-days", "2", "-subj", f"/CN=tls-self-signed.{DOMAIN}",
            "-addext", f"subjectAltName=DNS:tls-self-signed.{DOMAIN}")
    # expired: `openssl ca` is the one openssl 3.0 command that takes explicit dates
    (directory / "index.txt").write_text("")
    (directory / "serial").write_text("1000\n")
    (directory / "ca.cnf").write_text(
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n"
        "default_md = sha256\npolicy = p\ncopy_extensions = none\nunique_subject = no\n[p]\ncommonName = supplied\n"
    )
    (directory / "expired.ext").write_text(f"subjectAltName=DNS:mail.tls-expired.{DOMAIN}\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "expired.key", "-out", "expired.csr",
            "-subj", f"/CN=mail.tls-expired.{DOMAIN}")
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "expired.csr",
            "-out", "expired.pem", "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
            "-extfile", "expired.ext", "-notext")
    return Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key",
                        directory / "self.pem", directory / "self.key")


def behaviour_of(host: str) -> str:
    """`mail.xml-malformed.hostile.test:443` -> `xml-malformed`; the foreign host -> `foreign`."""
    name = host.split(":")[0].lower()
    if name == FOREIGN_HOST:
        return "foreign"
    if not name.endswith("." + DOMAIN):
        return "unknown"
    labels = name[: -len(DOMAIN) - 1].split(".")
    return labels[-1]


def envelope(body: str, header: str = "", soap: str = SOAP11) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{soap}"><s:Header>{header}</s:Header>'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


SERVER_VERSION = (
    f'<h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" '
    f'Version="V2017_07_11" xmlns:h="{TYPES}"/>'
)


def busy_fault() -> bytes:
    return envelope(
        "<s:Fault><faultcode xmlns:a=\"http://schemas.microsoft.com/exchange/services/2006/types\">a:ErrorServerBusy"
        "</faultcode><faultstring xml:lang=\"en-US\">The server cannot service this request right now. Try again later."
        "</faultstring><detail><e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">"
        "ErrorServerBusy</e:ResponseCode><e:Message xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">"
        "The server cannot service this request right now. Try again later.</e:Message>"
        "<t:MessageXml xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\">"
        "<t:Value Name=\"BackOffMilliseconds\">50</t:Value></t:MessageXml></detail></s:Fault>",
        SERVER_VERSION,
    )


BARE_FAULT = envelope(
    "<s:Fault><faultcode>s:Server</faultcode><faultstring>Object reference not set to an instance of an object."
    "</faultstring></s:Fault>"
)

HTML_ERROR = (
    b"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
    b"\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html><head><title>500 - Internal server error."
    b"</title></head><body><h1>Server Error</h1></body></html>"
)
HTML_LOGIN = (
    b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title>"
    b"</head><body><form method=\"post\" action=\"/adfs/ls/\"><input name=\"UserName\"><input type=\"password\" "
    b"name=\"Password\"></form></body></html>"
)
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
BILLION_LAUGHS_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def operation_of(body: bytes) -> str:
    m = re.search(rb"<soap:Body><m:(\w+)", body) or re.search(rb"<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)", body)
    return m.group(1).decode() if m else ""


class Hostile:
    """The three listeners and the record of what reached them."""

    def __init__(self, upstream_port: int, upstream_ca: Path, certs: Certificates):
        self.upstream_port = upstream_port
        self.upstream_context = ssl.create_default_context(cafile=str(upstream_ca))
        self.upstream_context.check_hostname = False
        self.certs = certs
        self.records: list[Record] = []
        self.busy_once_done = False
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.servers: list[ThreadingHTTPServer] = []
        self.raw_sockets: list[socket.socket] = []

    # listeners ------------------------------------------------------------------------------

    def start(self) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.certs.cert), str(self.certs.key))
        self_signed = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self_signed.load_cert_chain(str(self.certs.self_signed_cert), str(self.certs.self_signed_key))

        expired = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        expired.load_cert_chain(str(self.certs.cert.parent / "expired.pem"), str(self.certs.cert.parent / "expired.key"))
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        old.load_cert_chain(str(self.certs.cert), str(self.certs.key))
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # deprecated is the point
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1
        # (protocol versions are fixed before the SNI callback runs: TLS 1.0 gets a listener of its own)
        by_behaviour = {"tls-self-signed": self_signed, "tls-expired": expired}

        def choose(sock, server_name, _ctx):
            if server_name and behaviour_of(server_name) in by_behaviour:
                sock.context = by_behaviour[behaviour_of(server_name)]

        context.sni_callback = choose
        self.tls = self._serve("tls", context)
        self.trap = self._serve("trap", None)
        self.old_tls = self._serve("tls", old)
        self.stall = socket.create_server(("127.0.0.1", 0))
        self.raw_sockets.append(self.stall)
        threading.Thread(target=self._stall_loop, daemon=True).start()

    @property
    def tls_port(self) -> int:
        return self.tls.server_address[1]

    @property
    def old_tls_port(self) -> int:
        return self.old_tls.server_address[1]

    @property
    def trap_port(self) -> int:
        return self.trap.server_address[1]

    @property
    def stall_port(self) -> int:
        return self.stall.getsockname()[1]

    def _serve(self, listener: str, context: ssl.SSLContext | None) -> ThreadingHTTPServer:
        hostile = self

        class Handler(HostileHandler):
            pass

        Handler.hostile = hostile
        Handler.listener = listener
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        if context is not None:
            # handshake in the handler thread, so a stalled client cannot block accept()
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self.servers.append(server)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return server

    def _stall_loop(self) -> None:
        held = []
        while not self.stop_event.is_set():
            try:
                conn, _ = self.stall.accept()
            except OSError:
                return
            held.append(conn)  # never answered; closed when the server stops

    def stop(self) -> None:
        self.stop_event.set()
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for sock in self.raw_sockets:
            sock.close()

    def record(self, rec: Record) -> None:
        with self.lock:
            self.records.append(rec)

    def trap_records(self) -> list[Record]:
        with self.lock:
            return [r for r in self.records if r.listener == "trap"]

    # the simulator --------------------------------------------------------------------------

    def forward(self, method: str, path: str, headers, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPSConnection("127.0.0.1", self.upstream_port, context=self.upstream_context, timeout=20)
        try:
            send = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection", "content-length")}
            send["Host"] = "mail.contoso.com"
            conn.request(method, path, body=body if method != "GET" else None, headers=send)
            response = conn.getresponse()
            data = response.read()
            out = [(k, v) for k, v in response.getheaders()
                   if k.lower() not in ("content-length", "transfer-encoding", "connection")]
            return response.status, out, data
        finally:
            conn.close()


class HostileHandler(BaseHTTPRequestHandler):
    hostile: Hostile
    listener: str
    protocol_version = "HTTP/1.1"
    timeout = STALL_LIMIT

    def log_message(self, *args):  # quiet
        pass

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(STALL_LIMIT)
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                self.close_connection = True
                raise ConnectionAbortedError
        super().setup()

    def handle(self):
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError):
            pass

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    # plumbing -------------------------------------------------------------------------------

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status: int, body: bytes = b"", content_type: str | None = "text/xml; charset=utf-8",
             headers: list[tuple[str, str]] = ()):
        self.send_response(status)
        if content_type and body:
            self.send_header("Content-Type", content_type)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def raw(self, data: bytes):
        self.wfile.write(data)
        self.wfile.flush()

    def abort(self, reset: bool = False):
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            if isinstance(self.connection, ssl.SSLSocket) and not reset:
                self.connection.unwrap()
        except (ssl.SSLError, OSError):
            pass
        self.connection.close()

    def stall(self, seconds: float = STALL_LIMIT):
        self.hostile.stop_event.wait(seconds)
        self.close_connection = True

    # dispatch -------------------------------------------------------------------------------

    def dispatch(self):
        host = self.headers.get("Host", "")
        auth = self.headers.get("Authorization")
        body = self.read_body()
        self.hostile.record(Record(self.listener, host, self.command, self.path,
                                   auth.split(" ")[0] if auth else None, bool(auth)))
        if self.listener == "trap":
            if behaviour_of(host) == "ad-http-redirect-foreign" and self.path.lower().startswith("/autodiscover"):
                self.send(302, b"", None, [("Location", f"https://{FOREIGN_HOST}/autodiscover/autodiscover.xml")])
                return
            # plain HTTP: an unauthenticated Autodiscover redirect probe is legitimate; answer 404
            self.send(404, b"not here", "text/plain")
            return
        behaviour = behaviour_of(host)
        if self.path.lower().startswith("/autodiscover"):
            self.autodiscover(behaviour, host, body)
            return
        handler = getattr(self, "ews_" + behaviour.replace("-", "_"), None)
        if handler is None:  # "foreign", "mail" of an Autodiscover behaviour, conformant ones
            self.proxy(body)
            return
        handler(body, auth)

    def proxy(self, body: bytes, mutate=None, content_type: str | None = None, rewrite=None):
        if rewrite is not None and body:
            body = rewrite(body)
        status, headers, data = self.hostile.forward(self.command, self.path, self.headers, body)
        if self.asks_for_wsdl() and data:
            # The simulator sees Host: mail.contoso.com and writes it into the WSDL's service address;
            # a reverse proxy publishing it under this host rewrites the address, as a correctly set up one does.
            data = data.replace(b"https://mail.contoso.com/", f"https://{self.headers.get('Host', '')}/".encode())
        if mutate is not None and status != 401 and data:
            data = mutate(data)
        headers = [(k, v) for k, v in headers if not (content_type and k.lower() == "content-type")]
        if content_type:
            headers.append(("Content-Type", content_type))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def asks_for_wsdl(self) -> bool:
        path = self.path.lower()
        return self.command == "GET" and (path.split("?")[0].endswith(".wsdl") or path.endswith("?wsdl"))

    def challenge_or(self, auth, then):
        """Unauthenticated requests get the simulator's challenge; authenticated ones `then()`."""
        if not auth:
            self.proxy(b"")
        else:
            then()

    # XML -------------------------------------------------------------------------------------

    def ews_xml_malformed(self, body, auth):
        self.proxy(body, lambda d: d[: len(d) // 2])

    def ews_xml_billion_laughs(self, body, auth):
        self.proxy(body, lambda d: d.replace(b"?>", b"?>" + BILLION_LAUGHS_DTD.encode(), 1)
                   .replace(b"</m:ResponseCode>", b"&lol9;</m:ResponseCode>", 1))

    def ews_xml_external_entity(self, body, auth):
        port = self.hostile.trap_port
        dtd = f'<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/xxe"><!ENTITY f SYSTEM "file:///etc/passwd">]>'
        self.proxy(body, lambda d: d.replace(b"?>", b"?>" + dtd.encode(), 1)
                   .replace(b"</m:ResponseCode>", b"&xxe;&f;</m:ResponseCode>", 1))

    def ews_xml_parameter_entity(self, body, auth):
        port = self.hostile.trap_port
        dtd = f'<!DOCTYPE s:Envelope [<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/evil.dtd">%remote;]>'
        self.proxy(body, lambda d: d.replace(b"?>", b"?>" + dtd.encode(), 1))

    def ews_xml_deep_nesting(self, body, auth):
        deep = b"<t:a>" * 100_000 + b"</t:a>" * 100_000
        self.proxy(body, lambda d: d.replace(b"</m:ResponseMessages>", deep + b"</m:ResponseMessages>", 1))

    def ews_xml_many_elements(self, body, auth):
        many = b"<b/>" * 4_500_000
        self.proxy(body, lambda d: d.replace(b"</m:ResponseMessages>", many + b"</m:ResponseMessages>", 1))

    def ews_xml_huge_attribute(self, body, auth):
        self.proxy(body, lambda d: d.replace(b"<m:ResponseMessages>", b'<m:ResponseMessages x="' + b"A" * 20_000_000 + b'">', 1))

    def ews_xml_invalid_utf8(self, body, auth):
        self.proxy(body, lambda d: d.replace(b"</m:ResponseCode>", b"\xe9\xe8\xff</m:ResponseCode>", 1))

    def ews_xml_utf16(self, body, auth):
        self.proxy(body, lambda d: b"\xff\xfe" + d.replace(b'encoding="utf-8"', b'encoding="utf-16"').decode().encode("utf-16-le"),
                   "text/xml; charset=utf-16")

    def ews_xml_nul_bytes(self, body, auth):
        self.proxy(body, lambda d: d.replace(b"<m:ResponseCode>", b"<m:ResponseCode>\x00\x00", 1))

    def ews_xml_not_soap(self, body, auth):
        self.challenge_or(auth, lambda: self.send(200, b'<?xml version="1.0"?><Result><Status>OK</Status></Result>'))

    def ews_xml_odd_prefixes(self, body, auth):
        def mutate(d: bytes) -> bytes:
            d = d.replace(b"<s:", b"<SOAP-ENV:").replace(b"</s:", b"</SOAP-ENV:").replace(b"xmlns:s=", b"xmlns:SOAP-ENV=")
            d = d.replace(b"<m:", b"<ns1:").replace(b"</m:", b"</ns1:").replace(b"xmlns:m=", b"xmlns:ns1=")
            return d.replace(b"<t:", b"<ns2:").replace(b"</t:", b"</ns2:").replace(b"xmlns:t=", b"xmlns:ns2=")
        self.proxy(body, mutate)

    def ews_xml_bom_and_comments(self, body, auth):
        self.proxy(body, lambda d: b"\xef\xbb\xbf" + d.replace(b"?>", b"?><!-- served by a hostile test --><?pi data?>", 1)
                   .replace(b"<s:Body", b"<!-- c --><s:Body", 1))

    def ews_soap12(self, body, auth):
        self.proxy(body, lambda d: d.replace(SOAP11.encode(), SOAP12.encode()), "application/soap+xml; charset=utf-8")

    # sizes and timing ------------------------------------------------------------------------

    def ews_huge_body(self, body, auth):
        def go():
            chunk = b"<t:x>" + b"y" * 65530 + b"</t:x>"
            total = 80 * 1024 * 1024
            head = envelope("")[:-len(b"</s:Body></s:Envelope>")]
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(head) + (total // len(chunk)) * len(chunk)))
            self.end_headers()
            self.wfile.write(head)
            for _ in range(total // len(chunk)):
                self.wfile.write(chunk)
        self.challenge_or(auth, go)

    def ews_huge_header(self, body, auth):
        def go():
            self.send_response(200)
            self.send_header("X-Junk", "j" * (2 * 1024 * 1024))
            self.send_header("Content-Length", "0")
            self.end_headers()
        self.challenge_or(auth, go)

    def _partial(self, then):
        data = envelope("<x/>", SERVER_VERSION) * 4
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.raw(data[: len(data) // 2])
        then()

    def ews_stalled_body(self, body, auth):
        self.challenge_or(auth, lambda: self._partial(self.stall))

    def ews_stall_before_headers(self, body, auth):
        self.challenge_or(auth, self.stall)

    def ews_slow_drip(self, body, auth):
        def go():
            data = envelope("<x/>", SERVER_VERSION)
            self.raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(data))
            for b in data:
                if self.hostile.stop_event.wait(0.3):
                    break
                self.raw(bytes([b]))
        self.challenge_or(auth, go)

    def ews_reset_mid_body(self, body, auth):
        self.challenge_or(auth, lambda: self._partial(lambda: self.abort(reset=True)))

    def ews_close_before_headers(self, body, auth):
        self.challenge_or(auth, lambda: self.abort())

    def ews_short_body(self, body, auth):
        self.challenge_or(auth, lambda: self._partial(lambda: self.abort()))

    def ews_chunked_garbage(self, body, auth):
        def go():
            self.raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\nzz-not-hex\r\n<x/>\r\n")
            self.abort()
        self.challenge_or(auth, go)

    def ews_garbage_status_line(self, body, auth):
        def go():
            self.raw(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02garbage\r\n\r\n")
            self.abort()
        self.challenge_or(auth, go)

    # HTTP ------------------------------------------------------------------------------------

    def ews_html_error_page(self, body, auth):
        self.send(500, HTML_ERROR, "text/html")

    def ews_html_login_page(self, body, auth):
        self.send(200, HTML_LOGIN, "text/html; charset=utf-8")

    def ews_redirect_loop(self, body, auth):
        self.send(302, b"", None, [("Location", f"https://{self.headers.get('Host')}{self.path}")])

    def ews_redirect_to_http(self, body, auth):
        self.send(302, b"", None, [("Location", f"http://{self.headers.get('Host').split(':')[0]}:{self.hostile.trap_port}{self.path}")])

    def ews_redirect_foreign(self, body, auth):
        self.send(302, b"", None, [("Location", f"https://{FOREIGN_HOST}:{self.hostile.tls_port}{self.path}")])

    def ews_status_500_empty(self, body, auth):
        self.challenge_or(auth, lambda: self.send(500))

    def ews_status_503_retry_after(self, body, auth):
        self.send(503, b"", None, [("Retry-After", "1")])

    def ews_status_404(self, body, auth):
        self.send(404, b"Not Found", "text/plain")

    def ews_status_502_proxy(self, body, auth):
        self.send(502, HTML_502, "text/html")

    def ews_status_407(self, body, auth):
        self.send(407, b"", None, [("Proxy-Authenticate", 'Basic realm="proxy"')])

    def ews_json_instead_of_xml(self, body, auth):
        self.challenge_or(auth, lambda: self.send(200, b'{"error":"unsupported","code":42}', "application/json"))

    def ews_empty_200(self, body, auth):
        self.challenge_or(auth, lambda: self.send(200, b"", "text/xml"))

    def ews_wrong_content_type(self, body, auth):
        self.proxy(body, lambda d: d, "text/plain")

    # SOAP faults and lost writes -------------------------------------------------------------

    def ews_bare_fault(self, body, auth):
        self.challenge_or(auth, lambda: self.send(500, BARE_FAULT))

    def ews_server_busy(self, body, auth):
        self.challenge_or(auth, lambda: self.send(500, busy_fault()))

    def ews_server_busy_on_create(self, body, auth):
        if auth and operation_of(body) == "CreateItem":
            self.send(500, busy_fault())
        else:
            self.proxy(body)

    def ews_server_busy_once(self, body, auth):
        if auth and operation_of(body) == "CreateItem":
            with self.hostile.lock:
                first = not self.hostile.busy_once_done
                self.hostile.busy_once_done = True
            if first:
                self.send(500, busy_fault())
                return
        self.proxy(body)

    def ews_status_503_on_create(self, body, auth):
        if auth and operation_of(body) == "CreateItem":
            self.send(503, b"<html><head><title>503 Service Unavailable</title></head><body>No server is available "
                           b"to handle this request.</body></html>", "text/html", [("Retry-After", "1")])
        else:
            self.proxy(body)

    def ews_createitem_not_stored(self, body, auth):
        if auth and operation_of(body) == "CreateItem":
            self.send(200, envelope(
                f'<m:CreateItemResponse xmlns:m="{MESSAGES}" xmlns:t="{TYPES}"><m:ResponseMessages>'
                '<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                '<m:Items><t:Message><t:ItemId Id="AAMkAGhvc3RpbGUtbmV2ZXItc3RvcmVk" ChangeKey="CQAAABYAAAA="/></t:Message>'
                "</m:Items></m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse>", SERVER_VERSION))
        else:
            self.proxy(body)

    def ews_getitem_other_itemid(self, body, auth):
        if auth and operation_of(body) == "GetItem":
            self.proxy(body, lambda d: re.sub(rb'(<t:ItemId Id=")[^"]+', rb"\1AAMkAGFub3RoZXItaXRlbS1lbnRpcmVseQ==", d))
        else:
            self.proxy(body)

    def ews_deleteitem_not_deleted(self, body, auth):
        if auth and operation_of(body) == "DeleteItem":
            self.send(200, envelope(
                f'<m:DeleteItemResponse xmlns:m="{MESSAGES}"><m:ResponseMessages><m:DeleteItemResponseMessage '
                'ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:DeleteItemResponseMessage>'
                "</m:ResponseMessages></m:DeleteItemResponse>", SERVER_VERSION))
        else:
            self.proxy(body)

    def ews_no_server_version(self, body, auth):
        self.proxy(body, lambda d: re.sub(rb"<h:ServerVersionInfo[^>]*/>", b"", d))

    def ews_success_class_error_code(self, body, auth):
        self.proxy(body, lambda d: d.replace(b"<m:ResponseCode>NoError</m:ResponseCode>",
                                             b"<m:ResponseCode>ErrorInternalServerError</m:ResponseCode>"))

    def ews_itemclass_changed(self, body, auth):
        if auth and operation_of(body) == "GetItem":
            self.proxy(body, lambda d: re.sub(rb"<t:ItemClass>[^<]*</t:ItemClass>", b"<t:ItemClass>IPM.Note</t:ItemClass>", d))
        else:
            self.proxy(body)

    def ews_attachment_corrupted(self, body, auth):
        if auth and operation_of(body) == "GetAttachment":
            self.proxy(body, lambda d: re.sub(rb"(<t:Content>)(.{8})", lambda m: m.group(1) + b"AAAAAAAA", d, count=1))
        else:
            self.proxy(body)

    def ews_unread_count_stuck(self, body, auth):
        self.proxy(body, lambda d: re.sub(rb"<t:UnreadCount>\d+</t:UnreadCount>", b"<t:UnreadCount>0</t:UnreadCount>", d))

    def ews_impersonation_ignored(self, body, auth):
        self.proxy(body, rewrite=lambda b: b.replace(b">erin@contoso.com<", b">alice@contoso.com<"))

    def ews_nonexistent_mailbox_accepted(self, body, auth):
        self.proxy(body, rewrite=lambda b: b.replace(b">nobody@contoso.com<", b">alice@contoso.com<"))

    def ews_wsdl_foreign_address(self, body, auth):
        if self.asks_for_wsdl():
            self.proxy(body, lambda d: re.sub(rb'(<soap:address location=")[^"]*(")', rb"\1https://" + FOREIGN_HOST.encode() + rb"/EWS/Exchange.asmx\2", d))
        else:
            self.proxy(body)

    def ews_xml_xinclude(self, body, auth):
        inc = (f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
               f'href="http://127.0.0.1:{self.hostile.trap_port}/xinclude" parse="text"/>').encode()
        self.proxy(body, lambda d: d.replace(b"<s:Header>", b"<s:Header>" + inc, 1))

    def ews_xml_schema_location(self, body, auth):
        loc = (f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="{SOAP11} '
               f'http://127.0.0.1:{self.hostile.trap_port}/schema.xsd"').encode()
        self.proxy(body, lambda d: re.sub(rb"(<s:Envelope[^>]*)>", lambda m: m.group(1) + loc + b">", d, count=1))

    def ews_xml_undeclared_entity(self, body, auth):
        self.proxy(body, lambda d: d.replace(b"</m:ResponseCode>", b"&nbsp;</m:ResponseCode>", 1))

    def ews_many_headers(self, body, auth):
        def go():
            self.send_response(200)
            for i in range(3000):
                self.send_header(f"X-Junk-{i}", "j" * 90)
            self.send_header("Content-Length", "0")
            self.end_headers()
        self.challenge_or(auth, go)

    def ews_duplicate_content_length(self, body, auth):
        def go():
            data = envelope("<x/>", SERVER_VERSION)
            self.raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\nContent-Length: 5\r\n\r\n" % len(data) + data)
            self.abort()
        self.challenge_or(auth, go)

    def ews_gzip_unasked(self, body, auth):
        import gzip
        def go():
            status, headers, data = self.hostile.forward(self.command, self.path, self.headers, body)
            self.send(status, gzip.compress(data), "text/xml; charset=utf-8", [("Content-Encoding", "gzip")])
        self.challenge_or(auth, go)

    def ews_status_429(self, body, auth):
        self.challenge_or(auth, lambda: self.send(429, b"", None, [("Retry-After", "1")]))

    # TLS: chosen at the handshake (Hostile.start), the requests that get through are proxied.

    # auth ------------------------------------------------------------------------------------

    def ews_auth_401_forever(self, body, auth):
        self.send(401, b"", None, [("WWW-Authenticate", 'Basic realm="hostile"')])

    def ews_auth_401_no_scheme(self, body, auth):
        self.send(401, b"", None)

    def ews_auth_401_unknown_scheme(self, body, auth):
        self.send(401, b"", None, [("WWW-Authenticate", "X-Hostile-Token realm=\"x\"")])

    def ews_auth_403(self, body, auth):
        self.challenge_or(auth, lambda: self.send(403, b"Forbidden", "text/plain"))

    # Autodiscover ----------------------------------------------------------------------------

    def autodiscover(self, behaviour: str, host: str, body: bytes):
        name = host.split(":")[0]
        port = self.hostile.tls_port
        base = f"{behaviour}.{DOMAIN}"
        if behaviour == "ad-v2-deep-json" and self.path.lower().startswith("/autodiscover/autodiscover.json"):
            self.send(200, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "application/json")
            return
        if behaviour == "ad-v2-huge-json" and self.path.lower().startswith("/autodiscover/autodiscover.json"):
            self.send(200, b'{"Protocol":"EWS","Url":"https://x/' + b"a" * 1_000_000 + b'"}', "application/json")
            return
        if behaviour in ("ad-v2-deep-json", "ad-v2-huge-json"):
            self.send(404, b"Not Found", "text/plain")
            return
        if not self.path.lower().startswith("/autodiscover/autodiscover.xml") or self.command != "POST":
            self.send(404, b"Not Found", "text/plain")  # SOAP and v2 Autodiscover: not offered
            return
        if behaviour == "ad-nothing":
            self.send(404, b"Not Found", "text/plain")
            return
        if not self.headers.get("Authorization"):
            self.send(401, b"", None, [("WWW-Authenticate", f'Basic realm="{name}"')])
            return
        ews_host = f"mail.{base}"
        account = ""
        if behaviour == "ad-foreign-ews-url":
            ews_host = FOREIGN_HOST
        elif behaviour == "ad-redirect-addr-foreign":
            account = f"<Action>redirectAddr</Action><RedirectAddr>alice@{FOREIGN_HOST}</RedirectAddr>"
        elif behaviour == "ad-redirect-addr-loop":
            m = re.search(rb"<EMailAddress>([^<]+)</EMailAddress>", body)
            address = m.group(1).decode() if m else f"alice@{base}"
            account = f"<Action>redirectAddr</Action><RedirectAddr>{address}</RedirectAddr>"
        elif behaviour == "ad-redirect-addr-chain":
            m = re.search(rb"<EMailAddress>([^<@]+)@", body)
            local = m.group(1).decode() if m else "alice"
            hops = {"alice": "hop1", "hop1": "hop2", "hop2": "hop3"}
            if local in hops:
                account = f"<Action>redirectAddr</Action><RedirectAddr>{hops[local]}@{base}</RedirectAddr>"
        elif behaviour == "ad-redirect-url-chain":
            m = re.search(r"hop=(\d+)", self.path)
            hop = int(m.group(1)) if m else 0
            account = (f"<Action>redirectUrl</Action><RedirectUrl>https://autodiscover.{base}:{port}"
                       f"/autodiscover/autodiscover.xml?hop={hop + 1}</RedirectUrl>")
        elif behaviour == "ad-ews-url-http":
            ews = f"http://mail.{base}:{self.hostile.trap_port}/EWS/Exchange.asmx"
            account = ("<AccountType>email</AccountType><Action>settings</Action><Protocol><Type>EXPR</Type>"
                       f"<EwsUrl>{ews}</EwsUrl></Protocol>")
        elif behaviour == "ad-redirect-url-http":
            account = (f"<Action>redirectUrl</Action><RedirectUrl>http://autodiscover.{base}:{self.hostile.trap_port}"
                       "/autodiscover/autodiscover.xml</RedirectUrl>")
        elif behaviour == "ad-http-redirect-foreign":
            self.send(404, b"Not Found", "text/plain")  # only the plain-HTTP method leads anywhere
            return
        elif behaviour == "ad-http-redirect-loop":
            self.send(302, b"", None, [("Location", f"https://{host}{self.path}")])
            return
        elif behaviour == "ad-html":
            self.send(200, HTML_LOGIN, "text/html")
            return
        if not account:
            account = ("<AccountType>email</AccountType><Action>settings</Action><Protocol><Type>EXPR</Type>"
                       f"<EwsUrl>https://{ews_host}:{port}/EWS/Exchange.asmx</EwsUrl></Protocol>")
        xml = ('<?xml version="1.0" encoding="utf-8"?>'
               + (BILLION_LAUGHS_DTD if behaviour == "ad-billion-laughs" else "")
               + '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">'
               '<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">'
               f"<User><DisplayName>Alice</DisplayName></User><Account>{account}</Account></Response></Autodiscover>")
        self.send(200, xml.encode())


def all_names() -> list[str]:
    names = [FOREIGN_HOST]
    for b in BEHAVIOURS:
        if b == "tls-wrong-host":
            continue
        names += [f"{b}.{DOMAIN}", f"mail.{b}.{DOMAIN}", f"autodiscover.{b}.{DOMAIN}"]
    return names
