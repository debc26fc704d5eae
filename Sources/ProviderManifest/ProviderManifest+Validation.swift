import Foundation

extension ProviderManifest {
    /// Reads and validates a manifest; every problem found is reported, not only the first.
    package static func parse(_ data: Data) throws(ManifestErrors) -> ProviderManifest {
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
    package func validationProblems() -> [ManifestError] {
        var p: [ManifestError] = []
        for (path, text) in allStrings() where text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            p.append(.init(path: path, "must not contain control characters (line breaks, tabs, NUL)"))
        }
        if manifestVersion != 1 { p.append(.init(path: "manifest_version", "must be 1 (this host reads version 1)")) }
        if id.range(of: "^[a-z0-9][a-z0-9-]{1,62}\\z", options: .regularExpression) == nil {
            p.append(.init(path: "id", "'\(id)' must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit"))
        }
        for (key, value) in [("name", name), ("version", version), ("vendor", vendor)] where value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
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
            if let t = m.urlTemplate, let bad = Self.unknownPlaceholders(t, allowed: DiscoveryMethod.placeholders).first {
                p.append(.init(path: path + ".url_template", "placeholder \(bad) is not supported (only \(DiscoveryMethod.placeholders.joined(separator: ", ")))"))
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
                for (key, value) in [("token_endpoint_template", oauth.tokenEndpointTemplate), ("scope_template", oauth.scopeTemplate)] {
                    if let bad = Self.unknownPlaceholders(value, allowed: OAuth.placeholders).first {
                        p.append(.init(path: "auth.oauth.\(key)", "placeholder \(bad) is not supported (only {tenant})"))
                    }
                }
            } else {
                p.append(.init(path: "auth.oauth", "is required when oauth2-client-credentials is accepted"))
            }
        }
        if ews.requestServerVersion.range(of: "^(Exchange20[0-9]{2}(_SP[0-9])?|V20[0-9]{2}_[0-9]{2}_[0-9]{2})\\z", options: .regularExpression) == nil {
            p.append(.init(path: "ews.request_server_version", "'\(ews.requestServerVersion)' is not an ExchangeVersionType value"))
        }
        if let minimum = ews.minimumServerVersion, minimum.range(of: "^[0-9]+(\\.[0-9]+){0,3}\\z", options: .regularExpression) == nil {
            p.append(.init(path: "ews.minimum_server_version", "'\(minimum)' must be a dotted build number like 15.1.2507"))
        }
        if ews.connectingSIDs.isEmpty { p.append(.init(path: "ews.connecting_sid", "must name at least one form")) }
        for form in ews.connectingSIDs where !EWS.knownConnectingSIDs.contains(form) {
            p.append(.init(path: "ews.connecting_sid", "'\(form)' is not one of \(EWS.knownConnectingSIDs.joined(separator: ", "))"))
        }
        if ews.connectingSIDs == ["sid"] {
            p.append(.init(path: "ews.connecting_sid", "'sid' alone leaves a mailbox without a SID in the target (an address or mailboxes_file entry without sid:) nothing to be impersonated as; list an address form too"))
        }
        for (i, h) in ews.requiredHeaders.enumerated() where h.range(of: "^[A-Za-z0-9-]+\\z", options: .regularExpression) == nil {
            p.append(.init(path: "ews.required_headers[\(i)]", "'\(h)' is not an HTTP header name"))
        }
        for (name, value) in ews.extraHeaders {
            if name.range(of: "^[A-Za-z0-9-]+\\z", options: .regularExpression) == nil {
                p.append(.init(path: "ews.extra_headers", "'\(name)' is not an HTTP header name"))
            }
            if HeaderPolicy.protectedNames.contains(name.lowercased()) {
                p.append(.init(path: "ews.extra_headers.\(name)", "may not be set by a profile"))
            }
            if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) { p.append(.init(path: "ews.extra_headers.\(name)", "must not contain line breaks")) }
        }
        if let c = ews.maxConcurrency, !(1...64).contains(c) { p.append(.init(path: "ews.max_concurrency", "must be 1...64")) }
        var seen = Set<String>()
        for (i, d) in knownDeviations.enumerated() {
            if d.check.range(of: "^[a-z0-9-]+(\\.[a-z0-9-]+)+\\z", options: .regularExpression) == nil {
                p.append(.init(path: "known_deviations[\(i)].check", "'\(d.check)' is not a dotted check id"))
            }
            if !seen.insert(d.check).inserted { p.append(.init(path: "known_deviations[\(i)].check", "'\(d.check)' is listed twice")) }
            if let link = d.link, !link.hasPrefix("https://") { p.append(.init(path: "known_deviations[\(i)].link", "must be an https URL")) }
            if d.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { p.append(.init(path: "known_deviations[\(i)].reason", "must not be empty")) }
            if let signature = d.signature, signature.isEmpty {
                p.append(.init(path: "known_deviations[\(i)].signature", "must give at least one of response_code, fault_code, http_status, text, facts"))
            }
        }
        var noticeIDs = Set<String>()
        for (i, n) in readinessNotices.enumerated() {
            if !noticeIDs.insert(n.id).inserted { p.append(.init(path: "readiness_notices[\(i)].id", "'\(n.id)' is used twice")) }
            if n.summary.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { p.append(.init(path: "readiness_notices[\(i)].summary", "must not be empty")) }
            if let link = n.link, !link.hasPrefix("https://") { p.append(.init(path: "readiness_notices[\(i)].link", "must be an https URL")) }
            if Self.day(n.date) == nil { p.append(.init(path: "readiness_notices[\(i)].date", "'\(n.date)' is not a YYYY-MM-DD date")) }
            if !ReadinessNotice.knownKinds.contains(n.kind) {
                p.append(.init(path: "readiness_notices[\(i)].kind", "'\(n.kind)' is not one of \(ReadinessNotice.knownKinds.joined(separator: ", "))"))
            }
        }
        return p
    }

    /// Every string of the manifest with its path (for rules that apply to all of them).
    func allStrings() -> [(String, String)] {
        var all: [(String, String)] = [("id", id), ("name", name), ("version", version), ("vendor", vendor)]
        if let docsURL { all.append(("docs_url", docsURL)) }
        for (i, m) in discovery.methods.enumerated() {
            all.append(("discovery.methods[\(i)].method", m.method))
            if let t = m.urlTemplate { all.append(("discovery.methods[\(i)].url_template", t)) }
        }
        all += auth.schemes.enumerated().map { ("auth.schemes[\($0)]", $1) }
        all += auth.refusedSchemes.enumerated().map { ("auth.refused_schemes[\($0)]", $1) }
        if let o = auth.oauth {
            all += [("auth.oauth.token_endpoint_template", o.tokenEndpointTemplate), ("auth.oauth.scope_template", o.scopeTemplate)]
            all += o.requiredRoles.enumerated().map { ("auth.oauth.required_roles[\($0)]", $1) }
        }
        all.append(("ews.request_server_version", ews.requestServerVersion))
        if let m = ews.minimumServerVersion { all.append(("ews.minimum_server_version", m)) }
        all += ews.connectingSIDs.map { ("ews.connecting_sid", $0) }
        all += ews.requiredHeaders.enumerated().map { ("ews.required_headers[\($0)]", $1) }
        for (k, v) in ews.extraHeaders { all += [("ews.extra_headers", k), ("ews.extra_headers.\(k)", v)] }
        all += capabilities.enumerated().map { ("capabilities[\($0)]", $1) }
        for (i, d) in knownDeviations.enumerated() {
            all += [("known_deviations[\(i)].check", d.check), ("known_deviations[\(i)].reason", d.reason)]
            if let l = d.link { all.append(("known_deviations[\(i)].link", l)) }
            if let sig = d.signature {
                for (k, v) in [("response_code", sig.responseCode), ("fault_code", sig.faultCode), ("text", sig.text)] {
                    if let v { all.append(("known_deviations[\(i)].signature.\(k)", v)) }
                }
                for (k, v) in sig.facts ?? [:] { all.append(("known_deviations[\(i)].signature.facts.\(k)", v)) }
            }
        }
        for (i, n) in readinessNotices.enumerated() {
            all += [("readiness_notices[\(i)].id", n.id), ("readiness_notices[\(i)].date", n.date), ("readiness_notices[\(i)].kind", n.kind),
                    ("readiness_notices[\(i)].summary", n.summary)]
            if let l = n.link { all.append(("readiness_notices[\(i)].link", l)) }
        }
        if let f = simulatorFlavor { all.append(("simulator_flavor", f)) }
        return all
    }

    /// `{name}` placeholders of `text` that are not in `allowed`.
    static func unknownPlaceholders(_ text: String, allowed: [String]) -> [String] {
        var found: [String] = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let token = String(rest[open...close])
            if !allowed.contains(token) { found.append(token) }
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    /// A `YYYY-MM-DD` day at 00:00 UTC.
    package static func day(_ text: String) -> Date? {
        guard text.range(of: "^[0-9]{4}-[0-9]{2}-[0-9]{2}\\z", options: .regularExpression) != nil else { return nil }
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

    /// The optional keys an object at `path` may carry as null.
    private static func knownKeys(at path: String) -> Set<String> {
        let bare = path.replacingOccurrences(of: "\\[[0-9]+\\]", with: "", options: .regularExpression)
        switch bare {
        case "": return ["docs_url", "description", "simulator_flavor", "capabilities", "known_deviations", "readiness_notices"]
        case "discovery.methods": return ["url_template", "allow_cross_domain_redirect"]
        case "auth": return ["refused_schemes", "oauth"]
        case "auth.oauth": return ["required_roles"]
        case "ews": return ["minimum_server_version", "connecting_sid", "required_headers", "extra_headers", "max_concurrency"]
        case "known_deviations", "readiness_notices": return ["link", "signature"]
        case "known_deviations.signature": return ["response_code", "fault_code", "http_status", "text", "facts"]
        default: return []
        }
    }

    /// Keys in the JSON that the format does not define (a typo must not pass silently).
    private static func unknownKeys(raw: Any, decoded: ProviderManifest) -> [ManifestError] {
        // The known keys are what the decoded manifest encodes back to. Should that ever fail, the
        // check must not quietly turn itself off: the failure is a problem of its own.
        let known: Any
        do {
            known = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(decoded))
        } catch {
            return [ManifestError(path: "", "the unknown-key check could not run: the decoded manifest did not encode back to JSON (\(error))")]
        }
        var problems: [ManifestError] = []
        func walk(_ raw: Any, _ known: Any?, _ path: String, freeForm: Bool) {
            if let object = raw as? [String: Any] {
                let knownObject = known as? [String: Any] ?? [:]
                for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                    let child = path.isEmpty ? key : "\(path).\(key)"
                    if !freeForm && knownObject[key] == nil && !(value is NSNull && knownKeys(at: path).contains(key)) {
                        problems.append(ManifestError(path: child, "unknown key"))
                        continue
                    }
                    walk(value, knownObject[key], child, freeForm: key == "extra_headers" || (key == "facts" && path.hasSuffix("signature")))
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
package struct ManifestErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in document order.
    package var errors: [ManifestError]
    /// Creates the list.
    package init(_ errors: [ManifestError]) { self.errors = errors }
    package var description: String { errors.map(\.description).joined(separator: "; ") }
}
