private import EWSExecutor
import EWSProtocol
import EWSTransport
import Foundation

/// The `ews.wsdl.service-address` and `ews.schema.responses-valid` checks: the provider's own
/// WSDL and schemas, fetched once per run (``ProviderSchemas``).
extension CheckContext {
    /// The provider's WSDL and schemas, fetched on first use and kept for the run.
    func providerSchemas() async -> ProviderSchemas {
        if let known = state.providerSchemas { return known }
        let fetched = await ProviderSchemas.fetch(ewsURL: target.ewsURL, transport: transport, headers: client.configuration.extraHeaders)
        state.providerSchemas = fetched
        // Every fetch is evidence of the run, whichever checks cite it.
        for exchange in fetched.exchanges { await recorder.keep(exchange) }
        return fetched
    }

    /// The hosts that may receive the run's credentials: the EWS URL's host, the hosts of the
    /// profile's fixed-URL templates (the set Autodiscover's EwsUrl answers are held to), and
    /// the discovery domain with the hosts below it.
    func mayReceiveCredentials(_ host: String) -> Bool {
        let listed = profile?.manifest.discovery.methods ?? []
        if DiscoveryPlan.credentialHosts(target: target, listed: listed).contains(where: { $0.caseInsensitiveCompare(host) == .orderedSame }) {
            return true
        }
        // As Discovery's DomainRules: the domain itself or a host below it.
        guard let address = target.discovery?.address, let at = address.lastIndex(of: "@") else { return false }
        let domain = address[address.index(after: at)...].lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return !domain.isEmpty && (h == domain || h.hasSuffix("." + domain))
    }

    /// `ews.wsdl.service-address`: the WSDL's `soap:address` names a host allowed to receive
    /// credentials. The address is read, never requested: whatever it names, the harness sends
    /// nothing there (with or without `--allow-cross-domain`, which only concerns Autodiscover).
    func wsdlServiceAddress() async -> Verdict {
        let schemas = await providerSchemas()
        let evidence = schemas.exchanges.filter { !$0.url.lowercased().hasSuffix(".xsd") }
        var facts = ["wsdl_url": schemas.wsdl.url]
        guard schemas.wsdl.tree != nil else {
            facts["wsdl_problem"] = schemas.wsdl.problem ?? "unusable"
            return Verdict(outcome: .skipped, message: "the provider serves no WSDL (\(schemas.wsdl.url): \(schemas.wsdl.problem ?? "unusable")), so there is no service address to judge",
                           exchanges: evidence, facts: facts)
        }
        let addresses = schemas.serviceAddresses
        facts["service_addresses"] = addresses.isEmpty ? "(none)" : addresses.map { $0.isEmpty ? "(empty)" : $0 }.joined(separator: ", ")
        let (hosts, foreign, unusable) = Self.classifyServiceAddresses(addresses, mayReceive: mayReceiveCredentials)
        if let first = foreign.first {
            facts["foreign_host"] = first.host
            let allowed = DiscoveryPlan.credentialHosts(target: target, listed: profile?.manifest.discovery.methods ?? [])
            facts["credential_hosts"] = allowed.joined(separator: ", ")
            return .failed("the WSDL at \(schemas.wsdl.url) names the service address \(first.address), on \(first.host), a host not allowed to receive "
                           + "the run's credentials (allowed: \(allowed.joined(separator: ", "))); it was not requested, so no credentials went there, "
                           + "but a client that takes its endpoint from this WSDL would send them to \(first.host)",
                           evidence, facts: facts)
        }
        if let bad = unusable.first {
            return .failed("the WSDL at \(schemas.wsdl.url) names the service address \"\(bad)\", which is not an http(s) URL with a host", evidence, facts: facts)
        }
        if hosts.isEmpty {
            return .passed("the WSDL at \(schemas.wsdl.url) names no service host (\(addresses.isEmpty ? "no soap:address" : "an empty or relative soap:address")): "
                           + "a client must be given the EWS URL, and no other host is offered credentials", evidence, facts: facts)
        }
        let unique = hosts.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return .passed("the WSDL at \(schemas.wsdl.url) names the service address on \(unique.joined(separator: ", ")), a host allowed to receive the run's credentials",
                       evidence, facts: facts)
    }

    /// Sorts WSDL service addresses: the hosts they name, those of them not allowed to receive
    /// credentials, and addresses that are not http(s) URLs with a host. An empty address names no
    /// host, so nothing can be sent anywhere from it: it passes. (The published copies of Exchange's
    /// Services.wsdl in ../shared/ews-schemas carry `location=""`; that Exchange fills in the URL it
    /// was reached by, and that a proxy serving the static file leaves it empty, is inferred, not
    /// verified against a capture.) A relative address resolves against the WSDL's own URL, the EWS host.
    static func classifyServiceAddresses(_ addresses: [String], mayReceive: (String) -> Bool)
        -> (hosts: [String], foreign: [(address: String, host: String)], unusable: [String]) {
        var foreign: [(address: String, host: String)] = []
        var unusable: [String] = []
        var hosts: [String] = []
        for raw in addresses {
            let address = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !address.isEmpty else { continue }
            guard let components = URLComponents(string: address) else {
                unusable.append(address)
                continue
            }
            if components.scheme == nil && components.host == nil { continue }
            guard let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = components.host?.lowercased(), !host.isEmpty else {
                unusable.append(address)
                continue
            }
            hosts.append(host)
            if !mayReceive(host) { foreign.append((address, host)) }
        }
        return (hosts, foreign, unusable)
    }

    /// `ews.schema.responses-valid`: every EWS response the run recorded is valid against the
    /// provider's own schemas; the reference schemas of `../shared/ews-schemas` stand in only when
    /// the provider serves none (or none that compile), which the facts and the message say.
    func validateResponses() async -> Verdict {
        // A final check (it reads what the whole run recorded), but unlike the cleanup nothing
        // depends on it: an interrupted or stopped run (Ctrl-C, --fail-fast, --deadline) skips it.
        if state.interrupted { return .skipped("run interrupted before this check started") }
        if let reason = state.stopReason { return .skipped(reason) }
        let provider = await providerSchemas()
        let schemaFetches = provider.exchanges.filter { $0.url.lowercased().hasSuffix(".xsd") }
        var facts: [String: String] = [:]
        var validator: SchemaValidator?
        var source = ""
        var fallbackReason: String?
        if provider.servesSchemas {
            do {
                validator = try provider.validator()
                source = "the provider's own schemas (\(provider.messages.url) and types.xsd)"
                facts["schema_source"] = "provider"
                facts["schema_url"] = provider.messages.url
            } catch {
                fallbackReason = "the provider's schemas are not usable: \(error)"
            }
        } else {
            let problems = [provider.messages, provider.types].compactMap { d in d.problem.map { "\(d.url.split(separator: "/").last ?? ""): \($0)" } }
            fallbackReason = "the provider serves no schemas (\(problems.joined(separator: "; ")))"
        }
        if validator == nil {
            let reason = fallbackReason ?? "the provider's schemas are not usable"
            facts["schema_fallback"] = reason
            let server = await recorder.serverVersion
            let version = Self.referenceSchemaVersion(for: server)
            guard let root = referenceSchemas, FileManager.default.fileExists(atPath: "\(root)/\(version)/messages.xsd") else {
                return Verdict(outcome: .skipped, message: "\(reason), and the reference schemas (../shared/ews-schemas/\(version)) are not available: nothing to validate against",
                               exchanges: schemaFetches, facts: facts)
            }
            do {
                validator = try SchemaValidator(schemaFile: "\(root)/\(version)/messages.xsd")
            } catch {
                return Verdict(outcome: .errored, message: "\(reason), and the reference schemas \(root)/\(version) do not compile: \(error)",
                               exchanges: schemaFetches, facts: facts)
            }
            source = "the reference schemas \(version) (\(reason); chosen for ServerVersionInfo \(server?.version ?? server.map { "\($0.majorVersion ?? 0)" } ?? "(none)"))"
            facts["schema_source"] = "reference \(version)"
        }
        guard let validator else { return .errored("no schema to validate against") }
        // Parsing and validating thousands of bodies blocks: on the blocking executor, off the cooperative pool.
        // Read back from the evidence spool one exchange at a time.
        let spool = recorder.spool
        let ewsURL = target.ewsURL
        let audit = await BlockingExecutor.shared.run("schema-audit") {
            var audit = ResponseSchemaAudit()
            audit.audit(spool, ewsURL: ewsURL, validator: validator)
            return audit
        }
        facts.merge(audit.facts) { _, new in new }
        if let first = audit.firstFinding {
            let location = first.violation.path ?? "line \(first.violation.line)"
            facts["first_violation_exchange"] = String(first.exchange.id)
            facts["first_violation_path"] = location
            facts["first_violation"] = first.violation.message
            return .failed("exchange #\(first.exchange.id) (\(first.element)) is not valid against \(source): at \(location) (line \(first.violation.line)): \(first.violation.message)"
                           + (audit.invalidCount > 1 ? " (\(audit.invalidCount) invalid responses in all)" : ""),
                           schemaFetches + [first.exchange], facts: facts)
        }
        guard audit.validated > 0 else {
            return Verdict(outcome: .skipped, message: "the run recorded no EWS response that could be validated (\(audit.envelopes) envelopes, \(audit.faults) faults, \(audit.truncated) cut short in the evidence)",
                           exchanges: schemaFetches, facts: facts)
        }
        var message = "\(audit.validated) EWS responses of \(audit.operations.count) operations are valid against \(source)"
        if audit.overCap > 0 { message += "; \(audit.overCap) more were not validated (at most \(ResponseSchemaAudit.cap) per run)" }
        if audit.truncated > 0 { message += "; \(audit.truncated) are held in the evidence only in part and were not validated" }
        return .passed(message, schemaFetches, facts: facts)
    }

    /// Which reference schema set matches a server: Exchange 2010 (major version 14, or a
    /// `Version` of Exchange2010 or older) gets `exchange2010sp2`; anything newer, or a server that
    /// named no version, `v2017`.
    static func referenceSchemaVersion(for server: ServerVersionInfo?) -> String {
        if let major = server?.majorVersion, major < 15 { return "exchange2010sp2" }
        if let version = server?.version, version.hasPrefix("Exchange2007") || version.hasPrefix("Exchange2009") || version.hasPrefix("Exchange2010") {
            return "exchange2010sp2"
        }
        return "v2017"
    }
}
