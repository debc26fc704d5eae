import EWSExecutor
import EWSTransport
import Foundation
import Synchronization

/// One part of an event stream as ``EWSClient/stream(_:impersonating:window:onPart:)`` reads it.
package enum EventStreamPart: Sendable {
    /// The head of the answer: its status and whether it is sent in chunks (a stream), not with
    /// a Content-Length (a response held until it is complete).
    case head(status: Int, chunked: Bool)
    /// One envelope of a 200 answer, read as a GetStreamingEvents answer.
    case envelope(EWSCall<StreamingEvents>)
}

/// How an event stream ended.
package struct EventStreamEnd: Sendable {
    /// The whole answer: every envelope's response messages in order (or the first envelope that
    /// could not be read, or what a non-200 answer was), with the exchange of the whole stream.
    package var call: EWSCall<StreamingEvents>
    /// Who ended it; nil when the transport failed.
    package var ending: HTTPStreamResult.Ending?
    /// Whole envelopes read.
    package var envelopes: Int
    /// Bytes after the last whole envelope (a cut-off envelope).
    package var trailingBytes: Int
}

extension EWSClient {
    /// Opens GetStreamingEvents and reads its envelopes as they arrive, on a connection of its
    /// own (see ``HTTPTransport/stream(_:sendCredentials:window:onPart:)``): `onPart` sees the head
    /// and then each envelope of a 200 answer, and answering false closes the connection. The
    /// connection is closed after `window` seconds, or within about a second of a cancellation.
    package func stream(_ operation: GetStreamingEvents, impersonating impersonation: ConnectingSID? = nil, window: Double,
                        onPart: @escaping @Sendable (EventStreamPart) -> Bool) async -> EventStreamEnd {
        let reader = StreamReader(operation: operation)
        let request = await httpRequest(operation, impersonating: impersonation)
        var result: HTTPStreamResult
        do {
            result = try await transport.stream(request, window: window) { part in reader.take(part, onPart) }
            // Throttled before it streamed anything: wait as asked and open it again, as perform does.
            var retries = 0, waited = 0
            let policy = configuration.throttling
            while result.ending == .serverClosed, result.response.status != 200, retries < policy.maxRetries,
                  let (ms, reason) = ThrottlingPolicy.requestedWait(result.response),
                  policy.allows(ms, after: waited), !Task.isCancelled {
                let wait = ThrottlingPolicy.Wait(reason: reason, milliseconds: ms, exchangeID: result.response.exchange.id)
                ThrottleLog.current?.append(wait, exchange: result.response.exchange)
                configuration.runThrottleLog?.append(wait)
                do { try await Task.sleep(for: .milliseconds(ms)) } catch { break }
                retries += 1
                waited += ms
                result = try await transport.stream(request, window: window) { part in reader.take(part, onPart) }
            }
        } catch let error as TransportError {
            let call = EWSCall<StreamingEvents>(outcome: .transportError(error), httpStatus: nil, serverVersion: nil,
                                                exchange: error.exchange, responseHeaders: [])
            return EventStreamEnd(call: call, ending: nil, envelopes: reader.envelopes, trailingBytes: 0)
        } catch {
            let call = EWSCall<StreamingEvents>(outcome: .transportError(.internalError("\(error)")), httpStatus: nil, serverVersion: nil,
                                                exchange: nil, responseHeaders: [])
            return EventStreamEnd(call: call, ending: nil, envelopes: reader.envelopes, trailingBytes: 0)
        }
        let response = result.response
        var call: EWSCall<StreamingEvents>
        if response.status == 200 {
            call = reader.summary(response)
        } else if response.status == 0 {
            call = EWSCall(outcome: .responses([]), httpStatus: nil, serverVersion: nil, exchange: response.exchange, responseHeaders: [])
        } else {
            call = Self.read(response, operation: operation)
        }
        return EventStreamEnd(call: call, ending: result.ending, envelopes: reader.envelopes, trailingBytes: reader.trailingBytes)
    }
}

/// The reading state of one stream, fed on the transport's thread.
private final class StreamReader: Sendable {
    struct State {
        var status = 0
        var splitter = SOAPEnvelopeSplitter()
        var calls: [EWSCall<StreamingEvents>] = []
        var headers: [HTTPHeader] = []
    }

    let operation: GetStreamingEvents
    private let state = Mutex(State())

    init(operation: GetStreamingEvents) { self.operation = operation }

    var envelopes: Int { state.locked { $0.calls.count } }
    var trailingBytes: Int { state.locked { $0.splitter.pendingBytes } }

    /// Reads one part; the answer is whether to keep the connection open.
    func take(_ part: HTTPStreamPart, _ onPart: (EventStreamPart) -> Bool) -> Bool {
        switch part {
        case .head(let status, let headers):
            state.locked {
                $0.status = status
                $0.headers = headers
                $0.splitter = SOAPEnvelopeSplitter()
            }
            let chunked = headers.all("Transfer-Encoding").contains { $0.lowercased().contains("chunked") }
            // Authentication legs (401, 407) are part of the handshake, not of the answer.
            if status == 401 || status == 407 { return true }
            return onPart(.head(status: status, chunked: chunked))
        case .body(let bytes):
            let (calls, overflowed): ([EWSCall<StreamingEvents>], Bool) = state.locked { s in
                guard s.status == 200 else { return ([], false) }
                var calls: [EWSCall<StreamingEvents>] = []
                for envelope in s.splitter.feed(bytes) {
                    let response = HTTPResponse(status: 200, headers: s.headers, body: envelope, exchange: Self.noExchange)
                    var call = EWSClient.read(response, operation: operation)
                    call.exchange = nil
                    calls.append(call)
                }
                s.calls += calls
                return (calls, s.splitter.overflowed)
            }
            for call in calls where !onPart(.envelope(call)) { return false }
            return !overflowed
        }
    }

    /// The whole 200 answer as one call: every envelope's messages, or the first unreadable one.
    func summary(_ response: HTTPResponse) -> EWSCall<StreamingEvents> {
        let calls = state.locked { $0.calls }
        var whole = EWSCall<StreamingEvents>(outcome: .responses([]), httpStatus: response.status, serverVersion: calls.first?.serverVersion,
                                             exchange: response.exchange, responseHeaders: response.headers)
        var messages: [ResponseMessage<StreamingEvents>] = []
        for call in calls {
            switch call.outcome {
            case .responses(let m): messages += m
            default:
                whole.outcome = call.outcome
                return whole
            }
        }
        whole.outcome = .responses(messages)
        return whole
    }

    private static let noExchange = HTTPExchange(id: 0, started: Date(timeIntervalSince1970: 0), method: "POST", url: "", requestBody: "",
                                                 legs: [], responseBody: "", durationMilliseconds: 0, remoteAddress: nil,
                                                 newConnections: 0, error: nil)
}
