import EWSProtocol
import EWSTransport
import Foundation

/// The authentication checks beyond "the service account gets in": which schemes the provider
/// offers against what its profile promises, and the opt-in must-fail checks (a wrong password,
/// an app-only token without impersonation, an expired token).
enum AuthChecks {
    /// `auth.schemes.offered`.
    static let schemesOffered = CheckID("auth.schemes.offered")
    /// `auth.must-fail.wrong-password`.
    static let wrongPassword = CheckID("auth.must-fail.wrong-password")
    /// `auth.must-fail.app-only-without-impersonation`.
    static let appOnlyWithoutImpersonation = CheckID("auth.must-fail.app-only-without-impersonation")
    /// `auth.must-fail.expired-token`.
    static let expiredToken = CheckID("auth.must-fail.expired-token")
    /// `auth.must-fail.delegated-with-impersonation`.
    static let delegatedWithImpersonation = CheckID("auth.must-fail.delegated-with-impersonation")

    /// What an unauthenticated answer says about the server's authentication besides the scheme
    /// names: the full challenges (realm, Bearer `authorization_uri`…, redacted like evidence) and
    /// the front-end headers that tell IIS/Exchange apart from a proxy.
    static func serverHints(_ headers: [HTTPHeader]) -> [String: String] {
        var hints: [String: String] = [:]
        let challenges = headers.all("WWW-Authenticate").map { Redaction.headerValue(name: "WWW-Authenticate", value: $0) }
        if !challenges.isEmpty { hints["www_authenticate"] = challenges.joined(separator: " | ") }
        for (name, key) in [("Server", "server"), ("X-FEServer", "x_feserver"), ("X-Powered-By", "x_powered_by"),
                            ("x-ms-diagnostics", "x_ms_diagnostics")] {
            if let value = headers.first(name) { hints[key] = String(value.prefix(300)) }
        }
        return hints
    }

    /// The `WWW-Authenticate` scheme name a profile scheme shows as.
    static func challengeName(ofProfileScheme scheme: String) -> String {
        switch scheme.lowercased() {
        case "oauth2-client-credentials", "oauth2": return "bearer"
        default: return scheme.lowercased()
        }
    }
}

extension CheckContext {
    func authentication() async -> Verdict {
        let call = await client.perform(GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly))
        await recorder.setServerVersion(call.serverVersion)
        let scheme = transport.configuration.credentials.schemeName ?? "no"
        switch call.outcome {
        case .responses, .fault:
            // Any EWS-level answer after authentication proves the credentials (an app-only
            // token's ErrorMissingEmailAddress included); an overloaded server proves nothing.
            var facts = Self.callFacts(call)
            facts["scheme"] = scheme
            if case .fault(let fault) = call.outcome, fault.code == "ErrorServerBusy" {
                return .failed("ErrorServerBusy fault instead of a response: \(fault.faultString)", [call.exchange], facts: facts)
            }
            // A bare SOAP fault (no EWS detail, no EWS error code, no ServerVersionInfo) may come from
            // any SOAP stack or gateway in front of EWS: it proves nothing about the credentials.
            if case .fault(let fault) = call.outcome, fault.responseCode == nil, call.serverVersion == nil,
               !fault.code.hasPrefix("Error") {
                return .failed("a bare SOAP fault \(fault.faultCode) (\"\(fault.faultString)\") without EWS detail or ServerVersionInfo "
                               + "instead of an EWS answer", [call.exchange], facts: facts)
            }
            return .passed("EWS accepted \(scheme) credentials of \(target.serviceAccount.username) (\(call.summary))", [call.exchange],
                           facts: facts)
        case .httpError(401, let reason):
            return .failed("the server refused the service account's \(scheme) credentials: HTTP 401 \(reason)", [call.exchange])
        case .httpError(_, _):
            if let block = policyBlock(call) {
                return .failed("the service account signed in, but \(block.message)", [call.exchange],
                               facts: block.facts.merging(["scheme": scheme]) { mine, _ in mine })
            }
            return .failed("authenticated request was answered \(call.summary)", [call.exchange])
        case .malformed:
            return .failed("the server answered, but not with EWS: \(ResponseShape.describe(call))", [call.exchange], facts: Self.callFacts(call))
        case .transportError(let e):
            return .errored("no answer to the authenticated request: \(e)", [call.exchange])
        }
    }

    /// A delegated token (from `delegated_token_file`) sent WITH ExchangeImpersonation: must be the
    /// "must not exist" fault.
    func delegatedWithImpersonation() async -> Verdict {
        guard let file = target.serviceAccount.oauth?.delegatedTokenFile else {
            return .skipped("no service_account.delegated_token_file: client credentials cannot produce a delegated token, so give one obtained for a user")
        }
        guard let data = FileManager.default.contents(atPath: file),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            return .errored("service_account.delegated_token_file \(file) is missing, unreadable or empty")
        }
        guard let mailbox = target.mailboxes.first else { return .skipped("no mailbox to impersonate") }
        let probe = probeTransport(credentials: .bearer(token: Secret(text)))
        defer { probe.shutdown() }
        var settings = client.configuration
        settings.requestAdjuster = nil
        let call = await EWSClient(transport: probe, configuration: settings)
            .perform(GetFolder(folders: [.inbox], shape: .idOnly), impersonating: connectingSID(mailbox))
        let code = "ErrorInvalidExchangeImpersonationHeaderData"
        var facts = ["http_status": call.httpStatus.map(String.init) ?? "none"]
        switch call.outcome {
        case .fault(let fault) where fault.code == code && fault.faultString.lowercased().contains("must not exist"):
            facts.merge(Self.callFacts(call)) { _, new in new }
            return .passed("a delegated token with ExchangeImpersonation was refused with \(code): \(fault.faultString)", [call.exchange], facts: facts)
        case .fault(let fault):
            facts.merge(Self.callFacts(call)) { _, new in new }
            return .failed("refused with \(fault.code) (\(fault.faultString)), not \(code) \"must not exist\"", [call.exchange], facts: facts)
        case .responses(let messages) where messages.first?.responseClass == .success:
            return .failed("a delegated token was allowed to impersonate \(mailbox): ExchangeImpersonation must not work with user tokens", [call.exchange], facts: facts)
        case .transportError(let e):
            return .errored("no answer: \(e)", [call.exchange])
        default:
            return .failed("answered \(call.summary), not the \(code) fault", [call.exchange], facts: facts)
        }
    }

    /// The challenge an unauthenticated EWS POST gets: what a client about to send a request is
    /// offered (a server may answer GET with 405 and still challenge POST). Asked once per run.
    func postChallenge() async -> PostChallenge {
        if let known = state.postChallenge { return known }
        let envelope = SOAPRequest(version: client.configuration.requestVersion, impersonation: nil,
                                   body: GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly).bodyXML)
        // What a client sends, minus credentials: the profile's fixed headers go along.
        let request = HTTPRequest(method: "POST", url: target.ewsURL,
                                  headers: [HTTPHeader("Content-Type", "text/xml; charset=utf-8")] + client.configuration.extraHeaders,
                                  body: Array(envelope.xml.utf8))
        let challenge: PostChallenge
        do {
            let response = try await transport.send(request, sendCredentials: false)
            let challenges = response.headers.all("WWW-Authenticate")
            challenge = PostChallenge(status: response.status,
                                      schemes: challenges.compactMap { $0.split(separator: " ").first.map(String.init) },
                                      hints: AuthChecks.serverHints(response.headers), exchange: response.exchange, error: nil)
        } catch let error as TransportError {
            challenge = PostChallenge(status: nil, schemes: [], hints: [:], exchange: error.exchange, error: "\(error)")
        } catch {
            challenge = PostChallenge(status: nil, schemes: [], hints: [:], exchange: nil, error: "\(error)")
        }
        state.postChallenge = challenge
        return challenge
    }

    /// Compares the schemes the unauthenticated EWS POST is offered with the profile's.
    func schemesOffered(expected: [String]) async -> Verdict {
        let challenge = await postChallenge()
        if let error = challenge.error { return .errored("the unauthenticated EWS POST got no answer: \(error)", [challenge.exchange]) }
        let offered = challenge.schemes
        let offeredLower = Set(offered.map { $0.lowercased() })
        var facts = ["offered_schemes": offered.isEmpty ? "(none)" : offered.joined(separator: ", "),
                     "expected_schemes": expected.joined(separator: ", "),
                     "unauthenticated_status": challenge.status.map(String.init) ?? "?", "challenge_of": "POST"]
        facts.merge(challenge.hints) { current, _ in current }
        if let reachable = await recorder.result(of: CheckCatalog.endpointReachable), let get = reachable.facts["offered_schemes"] {
            facts["offered_to_get"] = get
        }
        let missing = expected.filter { !offeredLower.contains(AuthChecks.challengeName(ofProfileScheme: $0)) }
        // A scheme the profile rules out but the server still advertises: auth.refused-schemes
        // fails for it; shown here too.
        let advertisedRefused = (profile?.manifest.auth.refusedSchemes ?? [])
            .filter { offeredLower.contains(AuthChecks.challengeName(ofProfileScheme: $0)) }
        if !advertisedRefused.isEmpty { facts["advertised_but_refused_by_profile"] = advertisedRefused.joined(separator: ", ") }
        let phrase = profile?.phrase ?? "the provider profile"
        guard missing.isEmpty else {
            let shown = missing.map { s in AuthChecks.challengeName(ofProfileScheme: s) == s.lowercased() ? s : "\(s) (Bearer)" }
            facts["missing_schemes"] = missing.joined(separator: ", ")
            return .failed("the unauthenticated EWS POST (HTTP \(facts["unauthenticated_status"] ?? "?")) is offered \(offered.isEmpty ? "no scheme" : offered.joined(separator: ", ")); \(phrase) expects \(shown.joined(separator: ", ")) too, which \(missing.count == 1 ? "is" : "are") not offered",
                           [challenge.exchange], facts: facts)
        }
        var message = "the unauthenticated EWS POST is offered \(offered.joined(separator: ", ")): every scheme \(phrase) expects (\(expected.joined(separator: ", ")))"
        if !advertisedRefused.isEmpty { message += "; also \(advertisedRefused.joined(separator: ", ")), which the profile rules out" }
        return .passed(message, [challenge.exchange], facts: facts)
    }

    /// A scheme the profile rules out is proven refused by the challenge to the EWS POST not
    /// offering it and by this run not having authenticated with it.
    func refusedSchemes() async -> Verdict {
        let refused = profile?.manifest.auth.refusedSchemes ?? []
        let challenge = await postChallenge()
        if let error = challenge.error { return .errored("the unauthenticated EWS POST got no answer: \(error)", [challenge.exchange]) }
        let offered = Set(challenge.schemes.map { $0.lowercased() })
        let used = transport.configuration.credentials.schemeName?.lowercased()
        var facts = ["refused_by_profile": refused.joined(separator: ", "),
                     "offered_schemes": challenge.schemes.isEmpty ? "(none)" : challenge.schemes.joined(separator: ", "),
                     "unauthenticated_status": challenge.status.map(String.init) ?? "?", "run_scheme": used ?? "none"]
        var problems: [String] = []
        for scheme in refused {
            let name = AuthChecks.challengeName(ofProfileScheme: scheme)
            if offered.contains(name) { problems.append("\(scheme) is offered in the challenge to the EWS POST") }
            if used == name { problems.append("this run authenticated with \(scheme)") }
        }
        if !problems.isEmpty {
            facts["problems"] = problems.joined(separator: "; ")
            return .failed("\(profile?.phrase ?? "the provider profile") rules out \(refused.joined(separator: ", ")), but " + problems.joined(separator: "; "),
                           [challenge.exchange], facts: facts)
        }
        return .passed("\(refused.joined(separator: " and ")) not offered (the EWS POST is offered \(challenge.schemes.isEmpty ? "no scheme" : challenge.schemes.joined(separator: ", "))) and not used by this run (\(used ?? "no scheme"))",
                       [challenge.exchange], facts: facts)
    }

    /// The service account's name with a wrong password, once: must be 401.
    func wrongPassword() async -> Verdict {
        let user = target.serviceAccount.username
        let wrong = Secret("ewscheck-wrong-" + UUID().uuidString)
        let credentials: HTTPCredentials
        switch target.serviceAccount.auth {
        case .basic: credentials = .basic(user: user, password: wrong)
        case .digest: credentials = .digest(user: user, password: wrong)
        default: credentials = .ntlm(user: user, password: wrong)
        }
        let scheme = credentials.schemeName ?? "?"
        let call = await probeCall(credentials: credentials)
        let once = "one attempt with a wrong password, the only one this run makes (account lockout safety)"
        var facts = ["scheme": scheme, "attempts": "1"]
        facts["http_status"] = call.httpStatus.map(String.init)
        switch call.outcome {
        case .httpError(401, _):
            return .passed("\(scheme) with a wrong password for \(user) was refused with HTTP 401 (\(once))", [call.exchange], facts: facts)
        case .transportError(let e):
            return .errored("\(scheme) with a wrong password: no answer: \(e) (\(once))", [call.exchange])
        case .responses, .fault:
            return .failed("\(scheme) with a wrong password for \(user) was let through to EWS (\(call.summary)); it must be refused with HTTP 401 (\(once))",
                           [call.exchange], facts: facts)
        default:
            return .failed("\(scheme) with a wrong password for \(user) was answered \(call.summary), not HTTP 401 (\(once))", [call.exchange], facts: facts)
        }
    }

    /// The run's app-only token, without ExchangeImpersonation: must be the "must be present" fault.
    func appOnlyWithoutImpersonation() async -> Verdict {
        guard case .bearer = transport.configuration.credentials else {
            return .errored("the run has no access token to send")
        }
        var settings = client.configuration
        // A profile hook could add impersonation; this request must go without it.
        settings.requestAdjuster = nil
        let call = await EWSClient(transport: transport, configuration: settings)
            .perform(GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly))
        var facts: [String: String] = [:]
        facts["http_status"] = call.httpStatus.map(String.init)
        let code = "ErrorInvalidExchangeImpersonationHeaderData"
        switch call.outcome {
        case .fault(let fault):
            facts.merge(Self.callFacts(call)) { _, new in new }
            guard fault.code == code else {
                return .failed("refused with \(fault.code) (\(fault.faultString)), not \(code)", [call.exchange], facts: facts)
            }
            guard fault.faultString.lowercased().contains("must be present") else {
                return .failed("refused with \(code), but saying \"\(fault.faultString)\" instead of \"… must be present for this type of OAuth token.\"",
                               [call.exchange], facts: facts)
            }
            return .passed("an app-only token without ExchangeImpersonation was refused with \(code): \(fault.faultString) (HTTP \(call.httpStatus ?? 0))",
                           [call.exchange], facts: facts)
        case .responses(let messages):
            if let m = messages.first, m.responseClass == .error {
                facts["response_code"] = m.responseCode
                return .failed("refused with the response message \(m.responseCode), not the \(code) fault", [call.exchange], facts: facts)
            }
            return .failed("an app-only token without ExchangeImpersonation was served (\(call.summary)): it must act as no mailbox of its own",
                           [call.exchange], facts: facts)
        case .transportError(let e):
            return .errored("no answer: \(e)", [call.exchange])
        default:
            return .failed("answered \(call.summary), not the \(code) fault", [call.exchange], facts: facts)
        }
    }

    /// An expired token: must be 401 with `Bearer … error="invalid_token"`.
    func expiredTokenRefused() async -> Verdict {
        let token: Secret
        let how: String
        if let expiredToken {
            token = expiredToken
            how = "a token signed by the issuer that expired before the request"
        } else {
            guard case .bearer(let current) = transport.configuration.credentials,
                  let forged = current.withUnsafeValue({ Self.expiredCopy(of: $0) }) else {
                return .errored("the run has no JWT access token to derive an expired one from")
            }
            token = forged
            how = "the run's token with exp and nbf moved an hour into the past (its signature no longer matches)"
        }
        let call = await probeCall(credentials: .bearer(token: token))
        let challenges = call.exchange?.legs.last?.responseHeaders
            .filter { $0.name.caseInsensitiveCompare("WWW-Authenticate") == .orderedSame }.map(\.value) ?? []
        let bearer = challenges.first { $0.lowercased().hasPrefix("bearer") }
        var facts = ["sent": how]
        facts["http_status"] = call.httpStatus.map(String.init)
        if let bearer { facts["www_authenticate"] = bearer }
        if let diagnostics = call.responseHeaders.first("x-ms-diagnostics") { facts["x_ms_diagnostics"] = diagnostics }
        switch call.outcome {
        case .httpError(401, _):
            guard let bearer, bearer.replacingOccurrences(of: " ", with: "").lowercased().contains(#"error="invalid_token""#) else {
                return .failed("an expired token was answered HTTP 401, but without WWW-Authenticate: Bearer … error=\"invalid_token\" (got \(challenges.isEmpty ? "no challenge" : challenges.joined(separator: " | ")))",
                               [call.exchange], facts: facts)
            }
            return .passed("an expired token (\(how)) was refused with HTTP 401 and Bearer error=\"invalid_token\"", [call.exchange], facts: facts)
        case .transportError(let e):
            return .errored("no answer: \(e)", [call.exchange])
        default:
            return .failed("an expired token (\(how)) was answered \(call.summary), not HTTP 401 invalid_token", [call.exchange], facts: facts)
        }
    }

    /// One GetFolder over a one-connection transport of its own with `credentials` (no plugin
    /// hooks: the probe must send exactly what the check says).
    func probeCall(credentials: HTTPCredentials) async -> EWSCall<FolderInfo> {
        let probe = probeTransport(credentials: credentials)
        defer { probe.shutdown() }
        var settings = client.configuration
        settings.requestAdjuster = nil
        return await EWSClient(transport: probe, configuration: settings)
            .perform(GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly))
    }

    /// `jwt` with `exp` (and `nbf`, `iat`) an hour in the past and its original signature: what a
    /// harness without the issuer's key can send as an expired token.
    static func expiredCopy(of jwt: String, now: Date = Date()) -> Secret? {
        guard let token = JSONWebToken(jwt) else { return nil }
        var claims = token.claimsObject
        let past = Int(now.timeIntervalSince1970) - 3600
        claims["exp"] = past
        claims["nbf"] = past - 3600
        claims["iat"] = past - 3600
        guard let input = JSONWebToken.signingInput(header: token.headerObject, claims: claims) else { return nil }
        return Secret(input + "." + Base64URL.encode(token.signature))
    }
}
