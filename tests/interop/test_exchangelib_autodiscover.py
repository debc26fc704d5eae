"""exchangelib 5.6.0's own Autodiscover (SOAP GetUserSettings, https only, 10 hops, its own redirectAddr
loop check), written without reference to ewscheck, must find the same EWS URL as `ewscheck discover`
from the simulator's layouts. Host names resolve through the real DNS server (dnsmasq) and reach the
simulator through connection pins, never /etc/hosts.
"""

from __future__ import annotations

import pytest
from exchangelib import Credentials
from exchangelib.autodiscover import clear_cache
from exchangelib.autodiscover.discovery import Autodiscovery
from exchangelib.errors import AutoDiscoverCircularRedirect
from exchangelib.protocol import BaseProtocol, close_connections

from discovery_support import (  # noqa: F401 - fixtures
    EWS_URL,
    credentials_over_http,
    discover_json,
    dns_server,
    names_to_simulator,
    start_layout,
)
from test_exchangelib import SimulatorAdapter

ALICE = "alice@contoso.com"


@pytest.fixture
def exchangelib_against(dns_server):
    """`with exchangelib_against(simulator):` – exchangelib resolves names with dnsmasq, connects to
    the simulator, trusts only its CA, and starts with an empty Autodiscover cache."""
    import contextlib

    @contextlib.contextmanager
    def configure(simulator):
        saved_adapter = BaseProtocol.HTTP_ADAPTER_CLS
        saved_kwargs, saved_attrs = Autodiscovery.DNS_RESOLVER_KWARGS, Autodiscovery.DNS_RESOLVER_ATTRS
        BaseProtocol.HTTP_ADAPTER_CLS = type("LayoutCA", (SimulatorAdapter,), {"ca_file": str(simulator.ca_file)})
        Autodiscovery.DNS_RESOLVER_KWARGS = {"configure": False}
        Autodiscovery.DNS_RESOLVER_ATTRS = {"nameservers": [dns_server[0]], "port": dns_server[1], "timeout": 2}
        clear_cache()
        try:
            with names_to_simulator(simulator):
                yield
        finally:
            clear_cache()
            close_connections()
            BaseProtocol.HTTP_ADAPTER_CLS = saved_adapter
            Autodiscovery.DNS_RESOLVER_KWARGS, Autodiscovery.DNS_RESOLVER_ATTRS = saved_kwargs, saved_attrs

    return configure


def exchangelib_discover(simulator, address=ALICE):
    credentials = Credentials(simulator.service_account["username"], simulator.password)
    ad_response, protocol = Autodiscovery(email=address, credentials=credentials).discover()
    return ad_response, protocol


@pytest.mark.parametrize(
    "layout, ewscheck_probe",
    [("root-domain", "soap.root-domain"), ("autodiscover-host", "soap.autodiscover-host"),
     ("redirect-addr-chain", "soap.root-domain")],
)
def test_exchangelib_finds_the_same_ews_url(layout, ewscheck_probe, start_layout, run_ewscheck, exchangelib_against):
    simulator = start_layout(layout)
    ours = discover_json(run_ewscheck, simulator, ALICE, "--method", "soap-autodiscover", "--method", "pox-autodiscover")
    assert ours["ews_url"] == EWS_URL, ours
    probe = next(p for p in ours["probes"] if p["id"] == ewscheck_probe)
    assert probe["conclusion"] == "found", probe

    with exchangelib_against(simulator):
        ad_response, protocol = exchangelib_discover(simulator)
    assert ad_response.ews_url == ours["ews_url"], f"exchangelib found {ad_response.ews_url}, ewscheck {ours['ews_url']}"
    assert protocol.service_endpoint == EWS_URL
    assert ad_response.autodiscover_smtp_address == ALICE

    # exchangelib asked the simulator's SOAP endpoint (the request log proves which hosts it used).
    soap = [r for r in simulator.requests() if r["path"].lower().endswith("/autodiscover/autodiscover.svc") and r["status"] == 200]
    assert soap, "exchangelib's GetUserSettings never reached the simulator"
    if layout == "redirect-addr-chain":
        redirects = [h for h in probe["hops"] if h["outcome"] == "redirect-addr"]
        assert [h["detail"] for h in redirects] == [
            "redirectAddr alice@mail.contoso.com", "redirectAddr alice.mailbox@mail.contoso.com"]
        assert {r["host"] for r in soap} >= {"contoso.com", "mail.contoso.com"}
    assert credentials_over_http(simulator) == []


def test_both_clients_refuse_the_redirect_loop(start_layout, run_ewscheck, exchangelib_against):
    simulator = start_layout("redirect-loop")
    ours = discover_json(run_ewscheck, simulator, ALICE, "--method", "soap-autodiscover")
    assert ours["ews_url"] is None
    assert all("redirect-loop" in p["flags"] for p in ours["probes"]), ours["probes"]
    with exchangelib_against(simulator), pytest.raises(AutoDiscoverCircularRedirect):
        exchangelib_discover(simulator)
