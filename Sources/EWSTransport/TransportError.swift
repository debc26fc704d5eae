/// A failure of the transport itself (not an HTTP error status, which is a response).
///
/// Codes can be added without breaking callers: compare ``code`` against the static members of
/// ``Code`` (`error.code == .timedOut`, or `case .timedOut:` in a switch with a `default`).
package struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    fileprivate enum Base: String, Sendable, Hashable {
        case invalidURL, insecureCredentials, connectFailed, resolveFailed, timedOut, tlsFailed
        case responseTooLarge, protocolError, shutDown, internalError
        case optionRefused, invalidHeader, cancelled, proxyFailed, caFileUnusable, tokenRenewalFailed, ticketRenewalFailed
    }

    /// What kind of failure this is, without its message: a value to compare, not a string.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate let base: Base
        package static let invalidURL = Code(base: .invalidURL)
        package static let insecureCredentials = Code(base: .insecureCredentials)
        package static let connectFailed = Code(base: .connectFailed)
        package static let resolveFailed = Code(base: .resolveFailed)
        package static let timedOut = Code(base: .timedOut)
        package static let tlsFailed = Code(base: .tlsFailed)
        package static let responseTooLarge = Code(base: .responseTooLarge)
        package static let protocolError = Code(base: .protocolError)
        package static let shutDown = Code(base: .shutDown)
        package static let internalError = Code(base: .internalError)
        package static let optionRefused = Code(base: .optionRefused)
        package static let invalidHeader = Code(base: .invalidHeader)
        package static let cancelled = Code(base: .cancelled)
        package static let proxyFailed = Code(base: .proxyFailed)
        package static let caFileUnusable = Code(base: .caFileUnusable)
        package static let tokenRenewalFailed = Code(base: .tokenRenewalFailed)
        package static let ticketRenewalFailed = Code(base: .ticketRenewalFailed)

        /// The stable name reports use (`timed-out`, `tls-failed`, ...).
        package var description: String { TransportError.name(of: base) }
    }

    /// What kind of failure this is.
    package var code: Code { Code(base: base) }
    private let base: Base
    /// A specific, human-readable explanation (never containing a secret).
    package let message: String

    /// The evidence of the failed exchange, where one was under way.
    package private(set) var exchange: HTTPExchange?

    /// For a TLS verification failure: the certificate the server presented and what is wrong with it.
    package private(set) var certificate: PeerCertificate?

    /// For a Kerberos ticket that could not be renewed: the stage, MIT's text and the named cause.
    package private(set) var kerberosFailure: KerberosFailure?

    private init(_ base: Base, _ message: String) {
        self.base = base
        self.message = message
    }

    /// This error with the evidence of the exchange it ended.
    package func with(exchange: HTTPExchange) -> TransportError {
        var copy = self
        copy.exchange = exchange
        return copy
    }

    /// This error with the certificate that failed verification.
    package func with(certificate: PeerCertificate?) -> TransportError {
        var copy = self
        copy.certificate = certificate
        return copy
    }

    /// The URL is not an absolute http(s) URL.
    package static func invalidURL(_ m: String) -> Self { .init(.invalidURL, m) }
    /// Credentials would have been sent over plain http.
    package static func insecureCredentials(_ m: String) -> Self { .init(.insecureCredentials, m) }
    /// The TCP connection could not be made.
    package static func connectFailed(_ m: String) -> Self { .init(.connectFailed, m) }
    /// The host name did not resolve.
    package static func resolveFailed(_ m: String) -> Self { .init(.resolveFailed, m) }
    /// The request took longer than its timeout.
    package static func timedOut(_ m: String) -> Self { .init(.timedOut, m) }
    /// The TLS handshake or the certificate check failed.
    package static func tlsFailed(_ m: String) -> Self { .init(.tlsFailed, m) }
    /// The response body was larger than the configured cap.
    package static func responseTooLarge(_ m: String) -> Self { .init(.responseTooLarge, m) }
    /// The server spoke something that is not HTTP.
    package static func protocolError(_ m: String) -> Self { .init(.protocolError, m) }
    /// The transport was shut down.
    package static func shutDown(_ m: String) -> Self { .init(.shutDown, m) }
    /// Anything else libcurl reported.
    package static func internalError(_ m: String) -> Self { .init(.internalError, m) }

    /// libcurl refused an option (`curl_easy_setopt` failed): the request was not sent, because
    /// sending it with a setting silently missing (an authentication scheme this libcurl lacks, a
    /// time limit) would blame the provider for the harness.
    package static func optionRefused(_ m: String) -> Self { .init(.optionRefused, m) }
    /// A header name or value carries CR, LF or NUL (header injection); nothing was sent.
    package static func invalidHeader(_ m: String) -> Self { .init(.invalidHeader, m) }
    /// The request was cancelled (the run was interrupted); an in-flight transfer was aborted.
    package static func cancelled(_ m: String) -> Self { .init(.cancelled, m) }
    /// The proxy could not be resolved, reached or used.
    package static func proxyFailed(_ m: String) -> Self { .init(.proxyFailed, m) }

    /// The trusted-CA file could not be read or holds no PEM certificate.
    package static func caFileUnusable(_ m: String) -> Self { .init(.caFileUnusable, m) }

    /// The access token was due for renewal and the token endpoint did not give a new one
    /// (see ``BearerTokenSource``): the request was not sent.
    package static func tokenRenewalFailed(_ m: String) -> Self { .init(.tokenRenewalFailed, m) }

    /// The Kerberos ticket-granting ticket was due for renewal and the KDC did not give a new one
    /// (see ``KerberosTicketSource``): the request was not sent.
    package static func ticketRenewalFailed(_ m: String, _ failure: KerberosFailure) -> Self {
        var error = Self(.ticketRenewalFailed, m)
        error.kerberosFailure = failure
        return error
    }

    /// A short stable name for the kind of failure (`timed-out`, `tls-failed`, ...), for reports.
    package var kind: String { Self.name(of: base) }

    private static func name(of base: Base) -> String {
        switch base {
        case .invalidURL: return "invalid-url"
        case .insecureCredentials: return "insecure-credentials"
        case .connectFailed: return "connect-failed"
        case .resolveFailed: return "resolve-failed"
        case .timedOut: return "timed-out"
        case .tlsFailed: return "tls-failed"
        case .responseTooLarge: return "response-too-large"
        case .protocolError: return "protocol-error"
        case .shutDown: return "shut-down"
        case .internalError: return "internal-error"
        case .optionRefused: return "option-refused"
        case .invalidHeader: return "invalid-header"
        case .cancelled: return "cancelled"
        case .proxyFailed: return "proxy-failed"
        case .caFileUnusable: return "ca-file-unusable"
        case .tokenRenewalFailed: return "token-renewal-failed"
        case .ticketRenewalFailed: return "ticket-renewal-failed"
        }
    }

    package var description: String { "\(kind): \(message)" }
}
