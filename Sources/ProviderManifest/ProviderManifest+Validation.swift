import Foundation

extension ProviderManifest {
    /// Reads and validates a manifest; every problem found is reported, not only the first.
    public static func parse(_ data: Data) throws(ManifestErrors) -> ProviderManifest {
        let raw: Any
        do {
            raw = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ManifestErrors([ManifestError(path: "", "not valid JSON: \(error.localizedDescription)")])
        }
        guard raw is [String: Any] else { throw ManifestErrors([ManifestError(path: "", "the manifest must be a JSON object")]) }
        let manifest: ProviderManifest
        do {
            manifest = try JSONDecoder().decode(ProviderManifest.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ManifestErrors([ManifestError(path: Self.path(context.codingPath + [key]), "required key is missing")])
        } catch let DecodingError.typeMismatch(type, context) {
            throw ManifestErrors([ManifestError(path: Self.path(context.codingPath), "must be \(Self.typeName(type))")])
        } catch let DecodingError.valueNotFound(type, context) {
            throw ManifestErrors([ManifestError(path: Self.path(context.codingPath), "must be \(Self.typeName(type)), not null")])
        } catch let DecodingError.dataCorrupted(context) {
            throw ManifestErrors([ManifestError(path: Self.path(context.codingPath), context.debugDescription)])
        } catch {
            throw ManifestErrors([ManifestError(path: "", "\(error)")])
        }
        var problems = unknownKeys(raw: raw, decoded: manifest)
        problems += manifest.validationProblems()
        if !problems.isEmpty { throw ManifestErrors(problems) }
        return manifest
    }

    /// Semantic rules the JSON types alone do not carry.
    public func validationProblems() -> [ManifestError] {
        var p: [ManifestError] = []
        if manifestVersion != 1 { p.append(.init(path: "manifest_version", "must be 1 (this host reads version 1)")) }
        if id.range(of: "^[a-z0-9][a-z0-9-]{1,62}$", options: .regularExpression) == nil {
            p.append(.init(path: "id", "'\(id)' must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit"))
        }
        for (key, value) in [("name", name), ("version", version), ("vendor", vendor)] where value.trimmingCharacters(in: .whitespaces).isEmpty {
            p.append(.init(path: key, "must not be empty"))
        }
        if let docsURL, !docsURL.hasPrefix("https://") { p.append(.init(path: "docs_url", "must be an https URL")) }
        if discovery.methods.isEmpty { p.append(.init(path: "discovery.methods", "must list at least one method")) }
        for (i, m) in discovery.methods.enumerated() {
            let path = "discovery.methods[\(i)]"
            if !DiscoveryMethod.known.contains(m.method) {
                p.append(.init(path: path + ".method", "'\(m.method)' is not one of \(DiscoveryMethod.known.joined(separator: ", "))"))
            }
            if m.method == "fixed-url" {
                guard let t = m.urlTemplate else { p.append(.init(path: path + ".url_template", "is required for fixed-url")); continue }
                if !t.hasPrefix("https://") { p.append(.init(path: path + ".url_template", "must start with https://")) }
            }
        }
        if auth.schemes.isEmpty { p.append(.init(path: "auth.schemes", "must list at least one scheme")) }
        for (i, s) in auth.schemes.enumerated() where !Auth.knownSchemes.contains(s) {
            p.append(.init(path: "auth.schemes[\(i)]", "'\(s)' is not one of \(Auth.knownSchemes.joined(separator: ", "))"))
        }
        for (i, s) in auth.refusedSchemes.enumerated() {
            if !Auth.knownSchemes.contains(s) { p.append(.init(path: "auth.refused_schemes[\(i)]", "'\(s)' is not a known scheme")) }
            if auth.schemes.contains(s) { p.append(.init(path: "auth.refused_schemes[\(i)]", "'\(s)' is also listed as accepted")) }
        }
        if auth.schemes.contains("oauth2-client-credentials") {
            if let oauth = auth.oauth {
                if !oauth.tokenEndpointTemplate.hasPrefix("https://") { p.append(.init(path: "auth.oauth.token_endpoint_template", "must start with https://")) }
                if oauth.scopeTemplate.isEmpty { p.append(.init(path: "auth.oauth.scope_template", "must not be empty")) }
            } else {
                p.append(.init(path: "auth.oauth", "is required when oauth2-client-credentials is accepted"))
            }
        }
        if ews.requestServerVersion.range(of: "^(Exchange20[0-9]{2}(_SP[0-9])?|V20[0-9]{2}_[0-9]{2}_[0-9]{2})$", options: .regularExpression) == nil {
            p.append(.init(path: "ews.request_server_version", "'\(ews.requestServerVersion)' is not an ExchangeVersionType value"))
        }
        if let minimum = ews.minimumServerVersion, minimum.range(of: "^[0-9]+(\\.[0-9]+){0,3}$", options: .regularExpression) == nil {
            p.append(.init(path: "ews.minimum_server_version", "'\(minimum)' must be a dotted build number like 15.1.2507"))
        }
        if !EWS.knownConnectingSIDs.contains(ews.connectingSID) {
            p.append(.init(path: "ews.connecting_sid", "'\(ews.connectingSID)' is not one of \(EWS.knownConnectingSIDs.joined(separator: ", "))"))
        }
        for (i, h) in ews.requiredHeaders.enumerated() where h.range(of: "^[A-Za-z0-9-]+$", options: .regularExpression) == nil {
            p.append(.init(path: "ews.required_headers[\(i)]", "'\(h)' is not an HTTP header name"))
        }
        for (name, value) in ews.extraHeaders {
            if name.range(of: "^[A-Za-z0-9-]+$", options: .regularExpression) == nil {
                p.append(.init(path: "ews.extra_headers", "'\(name)' is not an HTTP header name"))
            }
            if ["authorization", "host", "content-length", "cookie"].contains(name.lowercased()) {
                p.append(.init(path: "ews.extra_headers.\(name)", "may not be set by a profile"))
            }
            if value.contains("\r") || value.contains("\n") { p.append(.init(path: "ews.extra_headers.\(name)", "must not contain line breaks")) }
        }
        if let c = ews.maxConcurrency, !(1...64).contains(c) { p.append(.init(path: "ews.max_concurrency", "must be 1...64")) }
        var seen = Set<String>()
        for (i, d) in knownDeviations.enumerated() {
            if d.check.range(of: "^[a-z0-9-]+(\\.[a-z0-9-]+)+$", options: .regularExpression) == nil {
                p.append(.init(path: "known_deviations[\(i)].check", "'\(d.check)' is not a dotted check id"))
            }
            if !seen.insert(d.check).inserted { p.append(.init(path: "known_deviations[\(i)].check", "'\(d.check)' is listed twice")) }
            if d.reason.trimmingCharacters(in: .whitespaces).isEmpty { p.append(.init(path: "known_deviations[\(i)].reason", "must not be empty")) }
        }
        for (i, n) in readinessNotices.enumerated() {
            if Self.day(n.date) == nil { p.append(.init(path: "readiness_notices[\(i)].date", "'\(n.date)' is not a YYYY-MM-DD date")) }
            if !ReadinessNotice.knownKinds.contains(n.kind) {
                p.append(.init(path: "readiness_notices[\(i)].kind", "'\(n.kind)' is not one of \(ReadinessNotice.knownKinds.joined(separator: ", "))"))
            }
        }
        return p
    }

    /// A `YYYY-MM-DD` day at 00:00 UTC.
    public static func day(_ text: String) -> Date? {
        guard text.range(of: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", options: .regularExpression) != nil else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        f.isLenient = false
        return f.date(from: text)
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined().trimmingPrefix(".").description
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is [Any].Type: return "an array"
        default: return "an object"
        }
    }

    /// Keys in the JSON that the format does not define (a typo must not pass silently).
    private static func unknownKeys(raw: Any, decoded: ProviderManifest) -> [ManifestError] {
        guard let data = try? JSONEncoder().encode(decoded), let known = try? JSONSerialization.jsonObject(with: data) else { return [] }
        var problems: [ManifestError] = []
        func walk(_ raw: Any, _ known: Any?, _ path: String, freeForm: Bool) {
            if let object = raw as? [String: Any] {
                let knownObject = known as? [String: Any] ?? [:]
                for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                    let child = path.isEmpty ? key : "\(path).\(key)"
                    if value is NSNull { continue }
                    if !freeForm && knownObject[key] == nil {
                        problems.append(ManifestError(path: child, "unknown key"))
                        continue
                    }
                    walk(value, knownObject[key], child, freeForm: key == "extra_headers")
                }
            } else if let array = raw as? [Any] {
                let knownArray = known as? [Any] ?? []
                for (i, value) in array.enumerated() {
                    walk(value, i < knownArray.count ? knownArray[i] : nil, "\(path)[\(i)]", freeForm: false)
                }
            }
        }
        walk(raw, known, "", freeForm: false)
        return problems
    }
}

/// Every problem of one manifest.
public struct ManifestErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in document order.
    public var errors: [ManifestError]
    /// Creates the list.
    public init(_ errors: [ManifestError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "; ") }
}
