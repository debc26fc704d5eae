import Foundation
import Synchronization

/// HTTP over libcurl: TLS verified by default (client certificates optional), host pins,
/// Basic/NTLM/Digest/Negotiate/Bearer, kept-alive connections, per-request timeouts, a response size cap,
/// redirects never followed, no proxy unless one is named, headers checked for injection, every
/// libcurl option checked, cancellation that aborts transfers in flight, and an evidence record
/// of every exchange with secrets removed at capture.
package final class HTTPTransport: Sendable {
    /// The settings this transport was made with.
    package let configuration: HTTPTransportConfiguration
    private let pool: CurlWorkerPool
    /// Where this transport's exchange ids come from (shared by every transport of a run).
    package let exchangeIDs: ExchangeIDSource

    /// Creates a transport and its worker threads; its exchange ids come from `exchangeIDs`.
    package init(configuration: HTTPTransportConfiguration, exchangeIDs: ExchangeIDSource) {
        self.configuration = configuration
        pool = CurlWorkerPool(threads: configuration.connections, configuration: configuration)
        self.exchangeIDs = exchangeIDs
    }

    /// Creates a transport with exchange ids of its own, starting at `firstExchangeID`.
    package convenience init(configuration: HTTPTransportConfiguration, firstExchangeID: Int = 1) {
        self.init(configuration: configuration, exchangeIDs: ExchangeIDSource(first: firstExchangeID))
    }

    deinit { pool.shutdown() }

    /// Stops accepting requests; queued ones still finish.
    package func shutdown() { pool.shutdown() }

    /// Waits, at most `seconds`, for the worker threads of every transport that was shut down to
    /// end and release their libcurl handles. A command calls it once before the process exits, so
    /// the exit-time teardown of libcurl and OpenSSL never runs under a handle still being freed.
    package static func waitForShutDownWorkers(upTo seconds: Double = 2) {
        CurlWorkerPool.waitForStoppedThreads(upTo: seconds)
    }

    /// Sends a request and returns the final response, whatever its status.
    ///
    /// - Parameter sendCredentials: false sends this request without credentials (an
    ///   unauthenticated probe, an http redirect lookup).
    /// - Throws: ``TransportError`` when no HTTP response could be had; `cancelled` when the
    ///   calling task is cancelled (an in-flight transfer is aborted within about a second).
    package func send(_ request: HTTPRequest, sendCredentials: Bool = true) async throws -> HTTPResponse {
        let (current, id) = try await admit(request, sendCredentials: sendCredentials)
        let cancellation = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let accepted = pool.submit { handle in
                    guard let handle else {
                        continuation.resume(throwing: TransportError.internalError("libcurl could not create a handle"))
                        return
                    }
                    continuation.resume(with: handle.perform(request, id: id, sendCredentials: sendCredentials, credentials: current,
                                                             cancellation: cancellation))
                }
                if !accepted {
                    continuation.resume(throwing: TransportError.shutDown("the transport was shut down"))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Checks a request before it is sent (header injection, URL, credentials over http), takes
    /// the credentials valid now and an exchange id.
    func admit(_ request: HTTPRequest, sendCredentials: Bool) async throws -> (HTTPCredentials?, Int) {
        if let problem = Self.headerProblem(request) { throw TransportError.invalidHeader(problem) }
        let lower = request.url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw TransportError.invalidURL("'\(request.url)' is not an absolute http or https URL")
        }
        if sendCredentials, lower.hasPrefix("http://"), let scheme = configuration.credentials.schemeName {
            throw TransportError.insecureCredentials(
                "refusing to send \(scheme) credentials over plain http to \(request.url)")
        }
        // A renewing token source gives each request the token valid now (renewing it first when
        // it is about to expire); when it cannot, the request is not sent.
        var current: HTTPCredentials?
        var refusal: TransportError?
        do {
            if sendCredentials, let source = configuration.bearerTokenSource {
                current = try await source.credentials()
            }
            // Likewise the Kerberos ticket-granting ticket libcurl's Negotiate takes from the run's cache
            // (only that cache: a probe's copy of the settings with other credentials renews nothing).
            if sendCredentials, case .negotiate(let negotiate) = configuration.credentials,
               let source = configuration.kerberosTicketSource, source.cache.name == negotiate.cacheName {
                try await source.ensureFresh(exchangeIDs: exchangeIDs)
            }
        } catch {
            refusal = error
        }
        if let refusal {
            // Every request kept back this way is noted for its check, not only the one that
            // started the renewal: that check could not test what it meant to.
            TokenRenewalLog.current?.appendRefusal(refusal.message)
            throw refusal
        }
        let id = exchangeIDs.take()
        if Task.isCancelled {
            throw TransportError.cancelled("cancelled before \(request.method) \(request.url) was sent")
        }
        return (current, id)
    }

    /// Learns the TLS facts of `host`:`port` (protocol, cipher, certificate, verification) with
    /// connect-only handshakes on one of this transport's workers, through the same pins, proxy,
    /// trusted CAs and client certificate as its requests; each handshake lasts at most
    /// `timeoutSeconds`. Sends no HTTP request and no credentials. A cancelled task gets its
    /// answer (no facts, ``TLSHandshakeFacts/cancelled``) within about a second.
    package func tlsFacts(host: String, port: Int, timeoutSeconds: Double) async -> TLSHandshakeFacts {
        let configuration = configuration
        let cancellation = CancellationFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let accepted = pool.submit { _ in
                    continuation.resume(returning: TLSHandshakeFacts(host: host, port: port, configuration: configuration,
                                                                     timeoutSeconds: timeoutSeconds, cancellation: cancellation))
                }
                if !accepted {
                    continuation.resume(returning: TLSHandshakeFacts(handshakeError: "the transport was shut down"))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Why a request may not be sent as is: a CR, LF or NUL in a header name or value (or in the
    /// URL or method) would let one field inject another; nil when it is clean. Every header is
    /// checked here, whoever built it (a mailbox address in X-AnchorMailbox, a profile's header).
    package static func headerProblem(_ request: HTTPRequest) -> String? {
        func bad(_ text: String) -> Bool { text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 } }
        for header in request.headers {
            if bad(header.name) || header.name.isEmpty || header.name.contains(":") || header.name.contains(" ") {
                return "header name '\(Self.printable(header.name))' is not a valid field name; nothing was sent"
            }
            if bad(header.value) {
                return "header \(header.name) carries CR, LF or NUL ('\(Self.printable(Redaction.headerValue(name: header.name, value: header.value)))'); nothing was sent"
            }
        }
        if bad(request.url) || request.url.contains(" ") { return "the URL '\(Self.printable(request.url))' carries whitespace, CR, LF or NUL; nothing was sent" }
        if bad(request.method) || request.method.contains(" ") || request.method.isEmpty {
            return "the method '\(Self.printable(request.method))' is not a token; nothing was sent"
        }
        return nil
    }

    /// Control characters shown as escapes (`\r\n`), so a message never carries them itself.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\x" + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
