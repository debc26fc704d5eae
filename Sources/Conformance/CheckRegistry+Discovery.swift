import Discovery

extension CheckRegistry {
    /// The Autodiscover checks, for targets with a `discovery:` section: one per probe of the plan,
    /// then whether an endpoint was found, whether the methods agree, the TLS of every host, and
    /// whether the discovered URL answers.
    static let discoveryFamily: [Check] = {
        let titles: [DiscoveryMethod: (String, String)] = [
            .pox: ("POX Autodiscover", "An authenticated POST of the POX request to %@ returns settings with an EWS URL (redirects followed by the client rules)."),
            .soap: ("SOAP Autodiscover GetUserSettings", "GetUserSettings at %@ returns ExternalEwsUrl (or InternalEwsUrl)."),
            .v2: ("Autodiscover v2 (JSON, unverified area)", "GET %@ returns {\"Protocol\":\"EWS\",\"Url\":…} without credentials."),
            .httpRedirect: ("Autodiscover HTTP redirect", "An unauthenticated GET of %@ answers 301/302 to an https URL whose POX Autodiscover answers; nothing is sent to http with credentials."),
            .dnsSRV: ("Autodiscover DNS SRV", "%@ (RFC 2782 order) points to an https host whose POX Autodiscover answers."),
        ]
        let places: [String: String] = [
            "root-domain": "https://<domain>/autodiscover/…", "autodiscover-host": "https://autodiscover.<domain>/autodiscover/…",
            "http-redirect": "http://autodiscover.<domain>/autodiscover/autodiscover.xml", "srv-target": "the SRV record _autodiscover._tcp.<domain>",
        ]
        let inPlan = "the target has a discovery: section and the plan includes this probe"
        let withDiscovery = "the target has a discovery: section"
        var list: [Check] = []
        for method in DiscoveryMethod.clientOrder {
            for candidate in AutodiscoverEngine.candidates(of: method) {
                let (title, requirement) = titles[method] ?? ("", "")
                let place = places[candidate.rawValue] ?? candidate.rawValue
                let probeID = AutodiscoverEngine.probeID(method, candidate)
                let definition = CheckDefinition(
                    id: CheckCatalog.discoveryProbe(probeID),
                    title: candidate == .rootDomain || candidate == .autodiscoverHost ? "\(title) on the \(candidate.rawValue.replacingOccurrences(of: "-", with: " "))" : title,
                    requirement: requirement.replacingOccurrences(of: "%@", with: place),
                    tags: ["autodiscover"], enforces: ["discovery.methods"], appliesWhen: inPlan)
                list.append(Check(definition, applies: { $0.state.discovery?.report.probes.contains { $0.id == probeID } == true }) { suite, _ in
                    guard let (report, plan) = suite.state.discovery, let probe = report.probes.first(where: { $0.id == probeID }) else {
                        return .errored("the Autodiscover report has no probe \(probeID)")
                    }
                    return suite.probeVerdict(probe, report, plan)
                })
            }
        }
        let hasDiscovery: @Sendable (CheckContext) -> Bool = { $0.state.discovery != nil }
        list += [
            Check(.init(id: CheckCatalog.discoveryEndpoint, title: "Autodiscover finds the EWS endpoint",
                        requirement: "A client that tries the profile's Autodiscover methods in order finds an https EWS URL.",
                        tags: ["autodiscover"], enforces: ["discovery.methods"], appliesWhen: withDiscovery), applies: hasDiscovery) { suite, _ in
                guard let (report, plan) = suite.state.discovery else { return .errored("no Autodiscover report") }
                return suite.endpointVerdict(report, plan)
            },
            Check(.init(id: CheckCatalog.discoveryAgree, title: "Autodiscover methods agree",
                        requirement: "Every method that answered names the same EWS URL, and it is the target's ews_url where the target names one.",
                        tags: ["autodiscover"], level: .recommended, appliesWhen: withDiscovery), applies: hasDiscovery) { suite, _ in
                guard let (report, _) = suite.state.discovery else { return .errored("no Autodiscover report") }
                return suite.agreementVerdict(report)
            },
            Check(.init(id: CheckCatalog.discoveryTLS, title: "Autodiscover hosts have valid certificates and TLS 1.2+",
                        requirement: "Every https host Autodiscover led to presents a certificate that verifies for its name and negotiates TLS 1.2 or newer.",
                        tags: ["autodiscover", "tls"], appliesWhen: withDiscovery), applies: hasDiscovery) { suite, _ in
                guard let (report, _) = suite.state.discovery else { return .errored("no Autodiscover report") }
                return suite.tlsVerdict(report)
            },
            Check(.init(id: CheckCatalog.discoveryEWSAnswers, title: "The discovered EWS URL answers",
                        requirement: "The EWS URL Autodiscover names answers HTTPS requests with a trusted certificate.",
                        tags: ["autodiscover"], appliesWhen: withDiscovery), applies: hasDiscovery) { suite, _ in
                guard let (report, _) = suite.state.discovery else { return .errored("no Autodiscover report") }
                return await suite.discoveredURLAnswers(report)
            },
        ]
        return list
    }()
}
