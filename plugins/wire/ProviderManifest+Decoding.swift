// Lists and maps that may be left out of a manifest decode as empty.

extension ProviderManifest {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        manifestVersion = try c.decode(Int.self, forKey: .manifestVersion)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        version = try c.decode(String.self, forKey: .version)
        vendor = try c.decode(String.self, forKey: .vendor)
        docsURL = try c.decodeIfPresent(String.self, forKey: .docsURL)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        discovery = try c.decode(Discovery.self, forKey: .discovery)
        auth = try c.decode(Auth.self, forKey: .auth)
        ews = try c.decode(EWS.self, forKey: .ews)
        capabilities = try c.decodeIfPresent([String].self, forKey: .capabilities) ?? []
        knownDeviations = try c.decodeIfPresent([KnownDeviation].self, forKey: .knownDeviations) ?? []
        readinessNotices = try c.decodeIfPresent([ReadinessNotice].self, forKey: .readinessNotices) ?? []
        simulatorFlavor = try c.decodeIfPresent(String.self, forKey: .simulatorFlavor)
    }
}

extension ProviderManifest.Auth {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemes = try c.decode([String].self, forKey: .schemes)
        refusedSchemes = try c.decodeIfPresent([String].self, forKey: .refusedSchemes) ?? []
        oauth = try c.decodeIfPresent(ProviderManifest.OAuth.self, forKey: .oauth)
    }
}

extension ProviderManifest.OAuth {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokenEndpointTemplate = try c.decode(String.self, forKey: .tokenEndpointTemplate)
        scopeTemplate = try c.decode(String.self, forKey: .scopeTemplate)
        requiredRoles = try c.decodeIfPresent([String].self, forKey: .requiredRoles) ?? []
    }
}

extension ProviderManifest.EWS {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requestServerVersion = try c.decode(String.self, forKey: .requestServerVersion)
        minimumServerVersion = try c.decodeIfPresent(String.self, forKey: .minimumServerVersion)
        // One form as a string, or a list of forms.
        if let one = try? c.decodeIfPresent(String.self, forKey: .connectingSIDs) {
            connectingSIDs = [one]
        } else {
            connectingSIDs = try c.decodeIfPresent([String].self, forKey: .connectingSIDs) ?? ["primary-smtp-address"]
        }
        requiredHeaders = try c.decodeIfPresent([String].self, forKey: .requiredHeaders) ?? []
        extraHeaders = try c.decodeIfPresent([String: String].self, forKey: .extraHeaders) ?? [:]
        maxConcurrency = try c.decodeIfPresent(Int.self, forKey: .maxConcurrency)
    }
}
