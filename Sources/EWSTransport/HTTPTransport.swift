import Foundation
import Synchronization

/// HTTP over libcurl: TLS verified by default, host pins, Basic/NTLM/Digest/Negotiate/Bearer, kept-alive
/// connections, per-request timeouts, a response size cap, redirects never followed, and an
/// evidence record of every exchange with secrets removed at capture.
public final class HTTPTransport: Sendable {
    /// The settings this transport was made with.
    public let configuration: HTTPTransportConfiguration
    private let pool: CurlWorkerPool
    private let nextID: Mutex<Int>

    /// Creates a transport and its worker threads.
    public init(configuration: HTTPTransportConfiguration, firstExchangeID: Int = 1) {
        self.configuration = configuration
        pool = CurlWorkerPool(threads: configuration.connections, configuration: configuration)
        nextID = Mutex(firstExchangeID)
    }

    deinit { pool.shutdown() }

    /// Stops accepting requests; queued ones still finish.
    public func shutdown() { pool.shutdown() }

    /// Sends a request and returns the final response, whatever its status.
    ///
    /// - Parameter sendCredentials: false sends this request without credentials (an
    ///   unauthenticated probe, an http redirect lookup).
    /// - Throws: ``TransportError`` when no HTTP response could be had.
    public func send(_ request: HTTPRequest, sendCredentials: Bool = true) async throws -> HTTPResponse {
        let lower = request.url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw TransportError.invalidURL("'\(request.url)' is not an absolute http or https URL")
        }
        if sendCredentials, lower.hasPrefix("http://"), let scheme = configuration.credentials.schemeName {
            throw TransportError.insecureCredentials(
                "refusing to send \(scheme) credentials over plain http to \(request.url)")
        }
        let id = nextID.withLock { value -> Int in
            defer { value += 1 }
            return value
        }
        return try await withCheckedThrowingContinuation { continuation in
            let accepted = pool.submit { handle in
                guard let handle else {
                    continuation.resume(throwing: TransportError.internalError("libcurl could not create a handle"))
                    return
                }
                continuation.resume(with: handle.perform(request, id: id, sendCredentials: sendCredentials))
            }
            if !accepted {
                continuation.resume(throwing: TransportError.shutDown("the transport was shut down"))
            }
        }
    }
}
