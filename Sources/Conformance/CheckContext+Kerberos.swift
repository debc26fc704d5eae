import EWSTransport
import Foundation

/// The Negotiate (Kerberos) checks of an `auth: negotiate` target: Kerberos really negotiated
/// (not a silent fallback to NTLM), the server's mutual-authentication token verified, and with
/// must-fail checks, a ticket of a principal that must not get in refused.
///
/// The handshake is done by hand with MIT GSS-API (not by libcurl), once per check, so the
/// mechanism SPNEGO chose and the exact Kerberos error (clock skew, unknown SPN, wrong key) are
/// visible; the tokens themselves are never recorded.
enum KerberosChecks {
    /// `auth.negotiate.kerberos`.
    static let kerberos = CheckID("auth.negotiate.kerberos")
    /// `auth.must-fail.wrong-principal`.
    static let wrongPrincipal = CheckID("auth.must-fail.wrong-principal")

    /// What one hand-made Negotiate round trip showed.
    struct Handshake {
        var status: Int?
        var exchange: HTTPExchange?
        var mechanism: GSSMechanism?
        var mutualVerified = false
        var serverAnswered = false
        var failure: KerberosFailure?
        var transportError: TransportError?
    }
}

extension CheckContext {
    /// `auth.negotiate.kerberos`.
    func kerberosNegotiated() async -> Verdict {
        guard case .negotiate(let credentials) = transport.configuration.credentials else {
            return .errored("the run has no Kerberos credentials (service_account.auth is not negotiate)")
        }
        let spn = target.servicePrincipal
        // The run's requests go through libcurl; this check's own handshake sends no bindings.
        var facts = ["spn": spn, "client_principal": credentials.principal, "channel_binding": NegotiateChannelBinding.summary]
        if let failure = KerberosRunCaches.failure(for: credentials.principal) {
            facts["kerberos_error"] = failure.cause?.rawValue ?? "unnamed"
            let text = "the run got no Kerberos ticket, so nothing could be negotiated: \(failure)"
            switch failure.cause {
            // The account as given cannot sign in: like a wrong password for Basic, that fails.
            case .wrongPassword?, .unknownClient?, .clientExpired?, .passwordExpired?, .clientDisabled?:
                return .failed(text, facts: facts)
            default:
                return Verdict(outcome: .errored, message: text, facts: facts)
            }
        }
        // The hand-made handshake reads the run's cache too: renewed first when its ticket is due.
        if let source = transport.configuration.kerberosTicketSource {
            do throws(TransportError) {
                try await source.ensureFresh(exchangeIDs: transport.exchangeIDs)
            } catch {
                facts["kerberos_error"] = error.kerberosFailure?.cause?.rawValue ?? "unnamed"
                return Verdict(outcome: .errored, message: "\(error)", exchanges: [error.exchange].compactMap { $0 }, facts: facts)
            }
        }
        let h = await negotiateOnce(principal: credentials.principal, cacheName: credentials.cacheName, spn: spn)
        if let failure = h.failure {
            facts["kerberos_error"] = failure.cause?.rawValue ?? "unnamed"
            switch failure.cause {
            case .unknownServicePrincipal?, .wrongServiceKey?:
                return .failed("\(failure)", [h.exchange], facts: facts)
            default:
                return Verdict(outcome: .errored, message: "\(failure)", exchanges: [h.exchange].compactMap { $0 }, facts: facts)
            }
        }
        if let error = h.transportError { return .errored("no answer: \(error)", [h.exchange]) }
        facts["http_status"] = h.status.map(String.init) ?? "none"
        if let mechanism = h.mechanism {
            facts["mechanism"] = mechanism.description
            facts["mechanism_oid"] = mechanism.oid
        }
        facts["mutual_authentication"] = h.mutualVerified ? "verified" : (h.serverAnswered ? "token did not verify" : "no token from the server")
        guard h.status == 200 else {
            return .failed("a Kerberos ticket for \(spn) was answered HTTP \(h.status.map(String.init) ?? "?"), not 200: the server could not use it. If the SPN is registered on another account than the one the web server runs as, or the server's keytab is stale, the ticket cannot be decrypted (setspn -Q \(spn) lists its owner); if the clocks differ by more than 5 minutes, the authenticator is refused (synchronise with NTP)",
                           [h.exchange], facts: facts)
        }
        if let mechanism = h.mechanism, mechanism != .kerberos5 {
            return .failed("Negotiate completed with \(mechanism) (\(mechanism.oid)), not Kerberos 5: a silent fallback", [h.exchange], facts: facts)
        }
        guard h.serverAnswered else {
            return .failed("the server accepted the Kerberos ticket but its 200 carried no WWW-Authenticate: Negotiate token, so the client cannot verify it spoke to the real server (mutual authentication, RFC 4559 §5)",
                           [h.exchange], facts: facts)
        }
        guard h.mutualVerified else {
            return .failed("the server's Negotiate token did not complete the Kerberos context (mutual authentication failed)", [h.exchange], facts: facts)
        }
        return .passed("Negotiate used Kerberos 5 (\(GSSMechanism.kerberos5.oid)) for \(spn) as \(credentials.principal); the server's mutual-authentication token verified",
                       [h.exchange], facts: facts)
    }

    /// `auth.must-fail.wrong-principal`.
    func wrongPrincipalRefused() async -> Verdict {
        guard let principal = target.serviceAccount.kerberos?.wrongPrincipal,
              let keytab = target.serviceAccount.kerberos?.wrongPrincipalKeytab else {
            return .skipped("no negative_controls.kerberos_principal and kerberos_keytab_file: give a principal of the realm that must not use EWS")
        }
        let cache: KerberosTicketCache
        do {
            cache = try KerberosTicketCache.login(principal: principal, keytab: keytab)
        } catch {
            return .errored("could not get a ticket for the negative control \(principal): \(error)")
        }
        defer { cache.destroy() }
        let spn = target.servicePrincipal
        let h = await negotiateOnce(principal: principal, cacheName: cache.name, spn: spn)
        var facts = ["spn": spn, "client_principal": principal, "http_status": h.status.map(String.init) ?? "none"]
        if let failure = h.failure {
            facts["kerberos_error"] = failure.cause?.rawValue ?? "unnamed"
            return Verdict(outcome: .errored, message: "no ticket for the negative control: \(failure)", exchanges: [h.exchange].compactMap { $0 }, facts: facts)
        }
        if let error = h.transportError { return .errored("no answer: \(error)", [h.exchange]) }
        switch h.status {
        case 401?:
            return .passed("a valid Kerberos ticket of \(principal) was refused with HTTP 401", [h.exchange], facts: facts)
        case 200?:
            return .failed("a Kerberos ticket of \(principal), which must not use EWS, was served (HTTP 200)", [h.exchange], facts: facts)
        default:
            return .failed("a Kerberos ticket of \(principal) was answered HTTP \(h.status.map(String.init) ?? "?"), not 401", [h.exchange], facts: facts)
        }
    }

    /// One GET of the EWS URL with a hand-made Negotiate token, on a fresh connection, and the
    /// server's answer fed back into the context.
    func negotiateOnce(principal: String, cacheName: String, spn: String) async -> KerberosChecks.Handshake {
        var result = KerberosChecks.Handshake()
        let initiator: GSSInitiator
        do {
            initiator = try GSSInitiator(principal: principal, cacheName: cacheName, servicePrincipal: spn)
        } catch {
            result.failure = error
            return result
        }
        let token: [UInt8]
        switch initiator.step(nil) {
        case .send(let t), .established(let t): token = t
        case .failed(let failure):
            result.failure = failure
            return result
        }
        let probe = probeTransport(credentials: .none)
        defer { probe.shutdown() }
        let request = HTTPRequest(url: target.ewsURL, headers: [HTTPHeader("Authorization", "Negotiate " + Data(token).base64EncodedString())])
        let response: HTTPResponse
        do {
            response = try await probe.send(request, sendCredentials: false)
        } catch let error as TransportError {
            result.transportError = error
            result.exchange = error.exchange
            return result
        } catch {
            result.transportError = .internalError("\(error)")
            return result
        }
        result.status = response.status
        result.exchange = response.exchange
        let answer = response.headers.all("WWW-Authenticate").lazy
            .compactMap { value -> [UInt8]? in
                let parts = value.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "negotiate" else { return nil }
                return Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)).map([UInt8].init)
            }.first
        if response.status == 200, let answer {
            result.serverAnswered = true
            switch initiator.step(answer) {
            case .established: result.mutualVerified = true
            case .send: result.mutualVerified = false
            case .failed(let failure): result.failure = failure
            }
        }
        result.mechanism = initiator.mechanism
        return result
    }
}
