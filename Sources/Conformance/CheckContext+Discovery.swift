import Discovery
import EWSTransport
import Foundation

extension CheckContext {
    /// Runs Autodiscover the way the target's plan says, once, before the checks that judge it.
    func prepareDiscovery() async {
        guard let settings = target.discovery else { return }
        let plan = DiscoveryPlan.make(target: target, profile: profile)
        let engine = AutodiscoverEngine(transport: transport, configuration: plan.configuration)
        let report = await engine.discover(settings.address)
        state.discovery = (report, plan)
    }

    private func exchanges(_ hops: [DiscoveryHop], _ report: DiscoveryReport) -> [HTTPExchange] {
        let ids = Set(hops.compactMap(\.exchangeID))
        return report.exchanges.filter { ids.contains($0.id) }
    }

    /// The hop trace as facts: `hop_01` … in order, plus flags and TLS per host.
    private func facts(_ probe: DiscoveryProbe) -> [String: String] {
        var facts: [String: String] = ["start": probe.start, "conclusion": probe.conclusion.rawValue]
        for hop in probe.hops { facts[String(format: "hop_%02d", hop.step)] = hop.line }
        if !probe.flags.isEmpty { facts["flags"] = probe.flags.joined(separator: ", ") }
        if let url = probe.ewsURL { facts["ews_url"] = url }
        if let address = probe.finalAddress { facts["final_address"] = address }
        for (key, value) in probe.settings { facts["setting_\(key)"] = value }
        for hop in probe.hops { if let tls = hop.tls { facts["tls_\(tls.host):\(tls.port)"] = tls.summary } }
        return facts
    }

    /// What took a probe that found an endpoint outside the discovery domain, in words; nil when
    /// nothing did (``DiscoveryProbe/flags`` `cross-domain`, `cross-domain-ews-url`).
    static func crossDomain(_ probe: DiscoveryProbe) -> String? {
        var what: [String] = []
        if probe.flags.contains("cross-domain") { what.append("it followed a redirect into another domain") }
        if probe.flags.contains("cross-domain-ews-url") { what.append("the EWS URL it names is on a host outside the discovery domain") }
        return what.isEmpty ? nil : what.joined(separator: " and ")
    }

    func probeVerdict(_ probe: DiscoveryProbe, _ report: DiscoveryReport, _ plan: DiscoveryPlan) -> Verdict {
        let evidence = exchanges(probe.hops, report)
        let facts = facts(probe)
        let hops = "\(probe.hops.count) hop\(probe.hops.count == 1 ? "" : "s")"
        switch probe.conclusion {
        case .found:
            var message = "\(probe.ewsURL ?? "?") after \(hops)"
            // Credentials go only where the user sent them: another domain that got them fails the
            // probe even where the target or profile allows it (issue 13 point 1); allowing it only
            // lets the run go on.
            if let crossed = Self.crossDomain(probe) {
                return .failed("\(message); FLAGGED: \(crossed), so the run's credentials went outside the discovery domain; "
                               + "allowed only because the target or profile allows cross-domain answers (allow_cross_domain_redirect), and flagged as a failure either way",
                               evidence, facts: facts)
            }
            if probe.flags.contains("srv-port-not-443") { message += "; note: the SRV port is not 443, which exchangelib and EWSMA ignore" }
            return .passed(message, evidence, facts: facts)
        case .failed:
            return .failed(probe.reason, evidence, facts: facts)
        case .notOffered:
            let sibling = report.probes(of: probe.method).first { $0.conclusion == .found }
            if plan.strict {
                if let sibling {
                    return Verdict(outcome: .skipped, message: "not offered here (\(probe.reason)); not needed: \(sibling.id) answers for \(probe.method.rawValue)",
                                   exchanges: evidence, facts: facts)
                }
                return .failed("\(probe.method.rawValue) is in the \(plan.source) plan, but it is not offered: \(probe.reason)", evidence, facts: facts)
            }
            if let found = report.foundBy {
                return Verdict(outcome: .skipped, message: "not offered here (\(probe.reason)); not needed: clients find the endpoint through \(found)",
                               exchanges: evidence, facts: facts)
            }
            return .failed("not offered (\(probe.reason)), and no other method found an endpoint either", evidence, facts: facts)
        }
    }

    func endpointVerdict(_ report: DiscoveryReport, _ plan: DiscoveryPlan) -> Verdict {
        var facts: [String: String] = ["address": report.address, "plan": report.methods.map(\.rawValue).joined(separator: ", "),
                                       "plan_source": plan.source]
        for probe in report.probes { facts["probe_\(probe.id)"] = "\(probe.conclusion.rawValue): \(probe.reason)" }
        guard let url = report.ewsURL, let by = report.foundBy else {
            let broken = report.probes.filter { $0.conclusion == .failed }.map { "\($0.id): \($0.reason)" }
            return .failed("no Autodiscover method found an EWS URL for \(report.address)"
                           + (broken.isEmpty ? " (none is offered)" : "; broken: " + broken.joined(separator: "; ")), facts: facts)
        }
        facts["ews_url"] = url
        facts["found_by"] = by
        return .passed("\(url), found by \(by) for \(report.address)", facts: facts)
    }

    func agreementVerdict(_ report: DiscoveryReport) -> Verdict {
        var found = report.foundURLs
        guard !found.isEmpty else { return .skipped("no Autodiscover method found an EWS URL, so there is nothing to compare") }
        var facts: [String: String] = [:]
        for entry in found { facts["url_\(entry.probes.joined(separator: "+"))"] = entry.url }
        if !target.ewsURLIsPending, target.discovery?.endpointWasDiscovered != true {
            facts["target_ews_url"] = target.ewsURL
            if !found.contains(where: { DiscoveryReport.comparable($0.url) == DiscoveryReport.comparable(target.ewsURL) }) {
                found.append((target.ewsURL, ["target ews_url"]))
            } else if let i = found.firstIndex(where: { DiscoveryReport.comparable($0.url) == DiscoveryReport.comparable(target.ewsURL) }) {
                found[i].probes.append("target ews_url")
            }
        }
        if found.count == 1, let only = found.first {
            return .passed("\(only.probes.joined(separator: ", ")) all give \(only.url)", facts: facts)
        }
        return .failed("the methods disagree: " + found.map { "\($0.url) from \($0.probes.joined(separator: ", "))" }.joined(separator: "; "), facts: facts)
    }

    func tlsVerdict(_ report: DiscoveryReport) -> Verdict {
        var hosts: [String: TLSFacts] = [:]
        for probe in report.probes { for hop in probe.hops { if let tls = hop.tls { hosts["\(tls.host):\(tls.port)"] = tls } } }
        guard !hosts.isEmpty else { return .skipped("Autodiscover reached no https host") }
        var facts: [String: String] = [:]
        var problems: [String] = []
        for (key, tls) in hosts.sorted(by: { $0.key < $1.key }) {
            facts["tls_\(key)"] = tls.summary
            problems += tls.problems.map { "\(key): \($0)" }
        }
        if problems.isEmpty {
            return .passed("\(hosts.count) host\(hosts.count == 1 ? "" : "s"): certificates verify, TLS 1.2 or newer", facts: facts)
        }
        return .failed(problems.joined(separator: "; "), facts: facts)
    }

    func discoveredURLAnswers(_ report: DiscoveryReport) async -> Verdict {
        guard let url = report.ewsURL else { return .skipped("no EWS URL was discovered") }
        do {
            let response = try await transport.send(HTTPRequest(method: "GET", url: url), sendCredentials: false)
            return .passed("\(url) answered HTTP \(response.status)", [response.exchange], facts: ["http_status": String(response.status)])
        } catch let error as TransportError {
            return .failed("the discovered EWS URL \(url) gives no HTTP answer: \(error)", [error.exchange])
        } catch {
            return .errored("unexpected error: \(error)")
        }
    }
}
