import Foundation

extension HTTPTransport {
    /// Sends a request whose response the server keeps open and writes in pieces over time (an
    /// EWS GetStreamingEvents connection), reading it as it arrives.
    ///
    /// The stream gets a worker thread and a connection of its own (the transport's settings,
    /// credentials and evidence, its own handshake), so it never holds one of the transport's
    /// workers while the caller goes on sending requests. `onPart` runs on that thread for each
    /// response head and each piece of body, as it arrives; answering false closes the
    /// connection at once. After `window` seconds an open stream is closed; a cancelled task
    /// closes it within about a second. Either way the answer holds what arrived until then.
    ///
    /// - Throws: ``TransportError`` when no request could be sent (refused settings, a refused
    ///   connection, TLS), or the response broke off for another reason than those above.
    package func stream(_ request: HTTPRequest, sendCredentials: Bool = true, window: Double,
                       onPart: @escaping @Sendable (HTTPStreamPart) -> Bool) async throws -> HTTPStreamResult {
        guard window.isFinite, window > 0 else {
            throw TransportError.optionRefused("a stream's window must be above 0 s (got \(window)); nothing was sent to \(request.url)")
        }
        let (current, id) = try await admit(request, sendCredentials: sendCredentials)
        var settings = configuration
        settings.timeout.request = window
        settings.timeout.connect = min(settings.timeout.connect, window)
        // One thread and handle for this stream alone, ended (and its handle released) after it.
        let worker = CurlWorkerPool(threads: 1, configuration: settings)
        defer { worker.shutdown() }
        let cancellation = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let accepted = worker.submit { handle in
                    guard let handle else {
                        continuation.resume(throwing: TransportError.internalError("libcurl could not create a handle"))
                        return
                    }
                    let result = handle.perform(request, id: id, sendCredentials: sendCredentials, credentials: current,
                                                cancellation: cancellation, observer: onPart)
                    let ending = handle.streamEnding ?? .serverClosed
                    continuation.resume(with: result.map { HTTPStreamResult(response: $0, ending: ending) })
                }
                if !accepted {
                    continuation.resume(throwing: TransportError.shutDown("the transport was shut down"))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }
}
