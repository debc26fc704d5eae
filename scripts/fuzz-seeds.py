#!/usr/bin/env python3
"""Seeds for `make fuzz`: real traffic of a demo run against the built-in simulator, plus a few
hand-written inputs for the parsers the demo does not exercise. Usage: fuzz-seeds.py EWSCHECK CORPUS_DIR"""
import base64, glob, hashlib, json, os, subprocess, sys, tempfile

ewscheck, corpus = sys.argv[1], sys.argv[2]


def seed(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(corpus, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


with tempfile.TemporaryDirectory() as reports:
    for extra in ([], ["--profile", "exchange-online", "--must-fail-auth"]):
        subprocess.run([ewscheck, "demo", "--reports-dir", reports, "--evidence", "all",
                        "--evidence-personal-data", "keep", *extra],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    for path in glob.glob(os.path.join(reports, "*", "report.json")):
        with open(path) as f:
            report = json.load(f)
        for exchange in report.get("evidence", []):
            for body in (exchange.get("request_body", ""), exchange.get("response_body", "")):
                if body.lstrip().startswith("<"):
                    seed("soap", body)
                    seed("xml", body)
                    if "MimeContent" in body:
                        start = body.find("<t:MimeContent")
                        start = body.find(">", start) + 1
                        end = body.find("</t:MimeContent>", start)
                        try:
                            seed("mime", base64.b64decode(body[start:end]))
                        except Exception:
                            pass
                elif body.lstrip().startswith("{"):
                    seed("hooks", body)
            for leg in exchange.get("legs", []):
                for header in leg.get("response_headers", []):
                    if header.get("name", "").lower() == "www-authenticate" and header.get("value", "").startswith("Digest "):
                        seed("digest", header["value"][7:])

pox = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">'
       '<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"><Account><AccountType>email</AccountType>'
       '<Action>settings</Action><Protocol><Type>EXCH</Type><EwsUrl>https://mail.contoso.com/EWS/Exchange.asmx</EwsUrl></Protocol>'
       '</Account></Response></Autodiscover>')
seed("pox", pox)
seed("pox", pox.replace("<Action>settings</Action>", "<Action>redirectAddr</Action><RedirectAddr>a@b.example</RedirectAddr>"))
soap_ad = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetUserSettingsResponseMessage '
           'xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover"><Response><ErrorCode>NoError</ErrorCode><UserResponses>'
           '<UserResponse><ErrorCode>NoError</ErrorCode><UserSettings><UserSetting><Name>ExternalEwsUrl</Name>'
           '<Value>https://mail.contoso.com/EWS/Exchange.asmx</Value></UserSetting></UserSettings></UserResponse></UserResponses>'
           '</Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>')
seed("soap-autodiscover", soap_ad)
seed("v2", '{"Protocol":"EWS","Url":"https://outlook.office365.com/EWS/Exchange.asmx"}')
seed("v2", '{"ErrorCode":"InvalidUser","ErrorMessage":"no such user"}')
# A DNS answer: id 0x1234, one SRV record for _autodiscover._tcp.contoso.com.
name = b"".join(bytes([len(p)]) + p.encode() for p in "_autodiscover._tcp.contoso.com".split(".")) + b"\0"
target = b"".join(bytes([len(p)]) + p.encode() for p in "mail.contoso.com".split(".")) + b"\0"
rdata = (0).to_bytes(2, "big") + (0).to_bytes(2, "big") + (443).to_bytes(2, "big") + target
seed("dns", bytes.fromhex("123481800001000100000000") + name + bytes.fromhex("00210001")
     + bytes.fromhex("c00c0021000100000078") + len(rdata).to_bytes(2, "big") + rdata)
# NTLM Type 1 and a minimal Type 3 shape.
seed("ntlm", b"NTLMSSP\0" + bytes.fromhex("01000000") + bytes.fromhex("07820800") + bytes(16))
seed("ntlm", b"NTLMSSP\0" + bytes.fromhex("03000000") + bytes(52) + bytes.fromhex("05820800"))
seed("digest", 'username="svc", realm="EWS", nonce="abc", uri="/EWS/Exchange.asmx", response="00", qop=auth, nc=00000001, cnonce="x", algorithm=SHA-256')
seed("mime", "From: a@b\r\nSubject: =?utf-8?B?w6k=?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: audio/wav\r\nContent-Transfer-Encoding: base64\r\n\r\nUklGRg==\r\n--x--\r\n")
for manifest in glob.glob("plugins/**/*.json", recursive=True):
    with open(manifest, "rb") as f:
        seed("manifest", f.read())
seed("hooks", '{"headers":[{"name":"X-A","value":"b"}]}')
seed("hooks", '{"outcome":"failed","message":"m"}')
for target_file in glob.glob("examples/*.yaml") + glob.glob("docs/**/*.yaml", recursive=True):
    with open(target_file, "rb") as f:
        seed("target", f.read())
