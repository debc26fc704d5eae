extension CheckRegistry {
    /// Whether the EWS URL answers at all.
    static let endpointFamily: [Check] = [
        Check(.init(id: CheckCatalog.endpointReachable, title: "EWS endpoint reachable",
                    requirement: "The EWS URL answers HTTPS requests (any HTTP status) with a certificate the client trusts.",
                    tags: ["tls"])) { suite, _ in await suite.reachability() },
    ]
}
