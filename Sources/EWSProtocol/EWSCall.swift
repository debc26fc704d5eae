import EWSTransport

/// What one EWS call produced, as a value: response messages, a SOAP fault, an HTTP error
/// status, a transport failure, or a response that is not EWS at all.
package struct EWSCall<Payload: Sendable>: Sendable {
    /// The kinds of result.
    package enum Answer: Sendable {
        /// HTTP 200 (or 500) with `ResponseMessages`.
        case responses([ResponseMessage<Payload>])
        /// A SOAP fault (normally HTTP 500).
        case fault(SOAPFault)
        /// An HTTP status that is neither EWS nor a fault (401, 403, 503, a redirect...).
        case httpError(status: Int, reason: String)
        /// No HTTP response (DNS, TCP, TLS, timeout).
        case transportError(TransportError)
        /// An HTTP response that is not a readable EWS response.
        case malformed(String)
    }

    /// The result.
    package var outcome: Answer
    /// The HTTP status, when a response arrived.
    package var httpStatus: Int?
    /// `ServerVersionInfo`, when the response had one.
    package var serverVersion: ServerVersionInfo?
    /// The evidence.
    package var exchange: HTTPExchange?
    /// Response header fields (for `WWW-Authenticate`, `Retry-After`...).
    package var responseHeaders: [HTTPHeader]
    /// How often in a row the provider answered this request `ErrorServerBusy` or 503, each wait
    /// honoured, when that reached ``ThrottlingPolicy/maxBusyRetries`` and the client gave up
    /// (the provider refused the request rather than throttled it); nil otherwise.
    package var refusedAfterBackOffs: Int?

    /// The response messages, or an empty list.
    package var messages: [ResponseMessage<Payload>] {
        if case .responses(let m) = outcome { return m }
        return []
    }

    /// The fault, if the outcome is one.
    package var fault: SOAPFault? {
        if case .fault(let f) = outcome { return f }
        return nil
    }

    /// A one-line account of the outcome for messages.
    package var summary: String {
        switch outcome {
        case .responses(let messages):
            let parts = messages.map { m -> String in
                m.responseClass == .success ? m.responseCode : "\(m.responseClass.rawValue) \(m.responseCode)\(m.messageText.map { " (\($0))" } ?? "")"
            }
            return "HTTP \(httpStatus ?? 0), " + (parts.isEmpty ? "no response messages" : parts.joined(separator: ", "))
        case .fault(let f): return "HTTP \(httpStatus ?? 0), \(f)"
        case .httpError(let status, let reason): return "HTTP \(status): \(reason)"
        case .transportError(let e): return "no response: \(e)"
        case .malformed(let m): return "HTTP \(httpStatus ?? 0), not an EWS response: \(m)"
        }
    }
}
