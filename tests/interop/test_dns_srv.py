"""DNS SRV Autodiscover (`_autodiscover._tcp.<domain>`) through a real DNS server: dnsmasq from Debian on
a loopback port, with the records in scripts/dns/autodiscover.conf. dnspython and exchangelib are the
independent peers. Without dnsmasq these tests fail (they never skip).
"""

from __future__ import annotations

import dns.resolver
from exchangelib import Credentials
from exchangelib.autodiscover import clear_cache
from exchangelib.autodiscover.discovery import Autodiscovery, SrvRecord, _select_srv_host
from exchangelib.protocol import BaseProtocol, close_connections

from conftest import describe
from discovery_support import (  # noqa: F401 - fixtures
    EWS_URL,
    credentials_over_http,
    discover_json,
    dns_server,
    free_udp_port,
    names_to_simulator,
    start_layout,
)
from test_exchangelib import SimulatorAdapter


def resolver(dns_server) -> dns.resolver.Resolver:
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [dns_server[0]]
    r.port = dns_server[1]
    r.lifetime = 3
    return r


def srv_records(dns_server, name):
    return sorted((a.priority, a.weight, a.port, a.target.to_text().rstrip(".")) for a in resolver(dns_server).resolve(name, "SRV"))


def dns_arg(dns_server) -> str:
    return f"{dns_server[0]}:{dns_server[1]}"


def test_srv_only_layout_is_found_through_dnsmasq_by_ewscheck_and_exchangelib(dns_server, start_layout, run_ewscheck):
    simulator = start_layout("srv-only")
    assert srv_records(dns_server, "_autodiscover._tcp.contoso.com") == [(0, 0, 443, "mail.contoso.com")]

    ours = discover_json(run_ewscheck, simulator, "alice@contoso.com", "--dns-server", dns_arg(dns_server),
                         "--method", "pox-autodiscover", "--method", "http-redirect", "--method", "dns-srv")
    by_id = {p["id"]: p for p in ours["probes"]}
    assert by_id["pox.root-domain"]["conclusion"] == "not-offered"
    assert by_id["pox.autodiscover-host"]["conclusion"] == "not-offered"
    assert by_id["http-redirect"]["conclusion"] == "not-offered"
    srv = by_id["dns-srv"]
    assert srv["conclusion"] == "found", srv
    assert srv["hops"][0]["kind"] == "dns" and srv["hops"][0]["verb"] == "SRV"
    assert "0 0 443 mail.contoso.com" in srv["hops"][0]["detail"]
    assert srv["hops"][-1]["url"] == "https://mail.contoso.com/autodiscover/autodiscover.xml"
    assert ours["ews_url"] == EWS_URL and ours["found_by"] == "dns-srv"

    # exchangelib walks its steps 1-3 (all 404 here) and then asks the same DNS server for SRV.
    saved_adapter = BaseProtocol.HTTP_ADAPTER_CLS
    saved_kwargs, saved_attrs = Autodiscovery.DNS_RESOLVER_KWARGS, Autodiscovery.DNS_RESOLVER_ATTRS
    BaseProtocol.HTTP_ADAPTER_CLS = type("LayoutCA", (SimulatorAdapter,), {"ca_file": str(simulator.ca_file)})
    Autodiscovery.DNS_RESOLVER_KWARGS = {"configure": False}
    Autodiscovery.DNS_RESOLVER_ATTRS = {"nameservers": [dns_server[0]], "port": dns_server[1], "timeout": 2}
    clear_cache()
    try:
        with names_to_simulator(simulator):
            credentials = Credentials(simulator.service_account["username"], simulator.password)
            ad_response, _ = Autodiscovery(email="alice@contoso.com", credentials=credentials).discover()
    finally:
        clear_cache()
        close_connections()
        BaseProtocol.HTTP_ADAPTER_CLS = saved_adapter
        Autodiscovery.DNS_RESOLVER_KWARGS, Autodiscovery.DNS_RESOLVER_ATTRS = saved_kwargs, saved_attrs
    assert ad_response.ews_url == ours["ews_url"]
    assert any(r["host"] == "mail.contoso.com" and r["path"].lower() == "/autodiscover/autodiscover.svc" for r in simulator.requests())
    assert credentials_over_http(simulator) == []


def test_rfc2782_order_differs_from_exchangelib_and_is_reported(dns_server, run_ewscheck):
    records = srv_records(dns_server, "_autodiscover._tcp.multi.example")
    assert records == [(5, 0, 443, "first.multi.example"), (10, 1, 443, "light.multi.example"),
                       (10, 99, 443, "heavy.multi.example"), (20, 0, 443, "backup.multi.example")]
    # exchangelib takes the numerically largest priority; RFC 2782 the smallest.
    picked = _select_srv_host([SrvRecord(priority=p, weight=w, port=port, srv=t) for p, w, port, t in records])
    assert picked == "backup.multi.example"

    # No host pin: the targets do not answer, so every one is tried, in RFC 2782 order.
    result = run_ewscheck("discover", "x@multi.example", "--json", "--dns-server", dns_arg(dns_server), "--method", "dns-srv")
    assert result.returncode == 1, describe(result)
    import json
    report = json.loads(result.stdout)
    hops = report["probes"][0]["hops"]
    order = hops[0]["detail"].split("RFC 2782 order: ")[1].split(", ")
    assert order[0] == "first.multi.example:443" and order[-1] == "backup.multi.example:443", hops[0]["detail"]
    assert set(order[1:3]) == {"heavy.multi.example:443", "light.multi.example:443"}
    asked = [h["url"] for h in hops if h["verb"] == "POST"]
    assert asked[0] == "https://first.multi.example/autodiscover/autodiscover.xml", asked
    assert report["ews_url"] is None


def test_srv_edge_cases_are_named(dns_server, run_ewscheck):
    import json

    none = json.loads(run_ewscheck("discover", "x@none.example", "--json", "--dns-server", dns_arg(dns_server),
                                   "--method", "dns-srv").stdout)
    assert "not available" in none["probes"][0]["reason"], none["probes"][0]
    port = json.loads(run_ewscheck("discover", "x@port.example", "--json", "--dns-server", dns_arg(dns_server),
                                   "--method", "dns-srv").stdout)
    assert "srv-port-not-443" in port["probes"][0]["flags"]
    assert any(h["url"] == "https://mail.port.example:8443/autodiscover/autodiscover.xml" for h in port["probes"][0]["hops"])
    missing = json.loads(run_ewscheck("discover", "x@nothing.contoso.com", "--json", "--dns-server", dns_arg(dns_server),
                                      "--method", "dns-srv").stdout)
    assert "NXDOMAIN" in missing["probes"][0]["reason"], missing["probes"][0]
    silent = run_ewscheck("discover", "x@contoso.com", "--json", "--dns-server", f"127.0.0.1:{free_udp_port()}",
                          "--method", "dns-srv", timeout=30)
    assert silent.returncode == 1
    assert "got no answer" in json.loads(silent.stdout)["probes"][0]["reason"]
