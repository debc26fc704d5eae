import Discovery

extension CheckCatalog {
    /// `discovery.<probe id>`: the check of one Autodiscover probe.
    public static func discoveryProbe(_ probeID: String) -> CheckID { CheckID("discovery.\(probeID)") }

    public static let discoveryEndpoint = CheckID("discovery.endpoint")
    public static let discoveryAgree = CheckID("discovery.agree")
    public static let discoveryTLS = CheckID("discovery.tls")
    public static let discoveryEWSAnswers = CheckID("discovery.ews-url.answers")

    /// The Autodiscover checks, run only for targets with a `discovery:` section.
    public static let discoveryChecks: [CheckDefinition] = {
        let titles: [DiscoveryMethod: (String, String)] = [
            .pox: ("POX Autodiscover", "An authenticated POST of the POX request to %@ returns settings with an EWS URL (redirects followed by the client rules)."),
            .soap: ("SOAP Autodiscover GetUserSettings", "GetUserSettings at %@ returns ExternalEwsUrl (or InternalEwsUrl)."),
            .v2: ("Autodiscover v2 (JSON, unverified area)", "GET %@ returns {\"Protocol\":\"EWS\",\"Url\":…} without credentials."),
            .httpRedirect: ("Autodiscover HTTP redirect", "An unauthenticated GET of %@ answers 301/302 to an https URL whose POX Autodiscover answers; nothing is sent to http with credentials."),
            .dnsSRV: ("Autodiscover DNS SRV", "%@ (RFC 2782 order) points to an https host whose POX Autodiscover answers."),
        ]
        let where_: [String: String] = [
            "root-domain": "https://<domain>/autodiscover/…", "autodiscover-host": "https://autodiscover.<domain>/autodiscover/…",
            "http-redirect": "http://autodiscover.<domain>/autodiscover/autodiscover.xml", "srv-target": "the SRV record _autodiscover._tcp.<domain>",
        ]
        var list: [CheckDefinition] = []
        for method in DiscoveryMethod.clientOrder {
            for candidate in AutodiscoverEngine.candidates(of: method) {
                let (title, requirement) = titles[method] ?? ("", "")
                let place = where_[candidate.rawValue] ?? candidate.rawValue
                list.append(.init(id: discoveryProbe(AutodiscoverEngine.probeID(method, candidate)),
                                  title: candidate == .rootDomain || candidate == .autodiscoverHost ? "\(title) on the \(candidate.rawValue.replacingOccurrences(of: "-", with: " "))" : title,
                                  requirement: requirement.replacingOccurrences(of: "%@", with: place),
                                  dependsOn: [], perMailbox: false, mustFail: false))
            }
        }
        list += [
            .init(id: discoveryEndpoint, title: "Autodiscover finds the EWS endpoint",
                  requirement: "A client that tries the profile's Autodiscover methods in order finds an https EWS URL.",
                  dependsOn: [], perMailbox: false, mustFail: false),
            .init(id: discoveryAgree, title: "Autodiscover methods agree",
                  requirement: "Every method that answered names the same EWS URL, and it is the target's ews_url where the target names one.",
                  dependsOn: [], perMailbox: false, mustFail: false),
            .init(id: discoveryTLS, title: "Autodiscover hosts have valid certificates and TLS 1.2+",
                  requirement: "Every https host Autodiscover led to presents a certificate that verifies for its name and negotiates TLS 1.2 or newer.",
                  dependsOn: [], perMailbox: false, mustFail: false),
            .init(id: discoveryEWSAnswers, title: "The discovered EWS URL answers",
                  requirement: "The EWS URL Autodiscover names answers HTTPS requests with a trusted certificate.",
                  dependsOn: [], perMailbox: false, mustFail: false),
        ]
        return list
    }()

    /// The ids of ``discoveryChecks``.
    public static var discoveryIDs: Set<CheckID> { Set(discoveryChecks.map(\.id)) }
}
