import EWSTransport

/// Sends EWS operations to one endpoint over an ``HTTPTransport``.
package struct EWSClient: Sendable {
    /// Changes a request just before it is sent (a provider plugin's `adjust_request` hook): gets
    /// the request, the operation name and whom it impersonates.
    package typealias RequestAdjuster = @Sendable (_ request: inout HTTPRequest, _ operation: String, _ impersonated: ConnectingSID?) async -> Void

    /// Settings of the client.
    package struct Configuration: Sendable {
        /// The EWS URL (`https://host/EWS/Exchange.asmx`).
        package var url: String
        /// The `RequestServerVersion` sent; nil sends none.
        package var requestVersion: ExchangeVersion?
        /// Send `X-AnchorMailbox` for the impersonated mailbox (Exchange 2013+ and Online need it).
        package var sendAnchorMailbox: Bool
        /// Extra HTTP header fields a provider requires.
        package var extraHeaders: [HTTPHeader]
        /// A last change to each request (from a provider plugin), if any.
        package var requestAdjuster: RequestAdjuster?
        /// How throttling answers are honoured (see ``ThrottlingPolicy``); `.off` never retries.
        package var throttling = ThrottlingPolicy()
        /// The run's one limit on requests in flight, lowered on `ErrorExceededConnectionCount`; nil: no limit here.
        package var concurrency: AdaptiveConcurrency?
        /// Where every wait and lowering of the run is recorded too (the run-level facts); nil: nowhere.
        package var runThrottleLog: ThrottleLog?

        /// Creates a configuration.
        package init(url: String, requestVersion: ExchangeVersion? = .exchange2013SP1, sendAnchorMailbox: Bool = true,
                    extraHeaders: [HTTPHeader] = [], requestAdjuster: RequestAdjuster? = nil) {
            self.url = url
            self.requestVersion = requestVersion
            self.sendAnchorMailbox = sendAnchorMailbox
            self.extraHeaders = extraHeaders
            self.requestAdjuster = requestAdjuster
        }
    }

    /// The transport requests go through.
    package let transport: HTTPTransport
    /// The client settings.
    package let configuration: Configuration

    /// Creates a client.
    package init(transport: HTTPTransport, configuration: Configuration) {
        self.transport = transport
        self.configuration = configuration
    }

    /// Sends `operation`, impersonating `impersonation` when given, and reads the answer as a value.
    package func perform<Op: EWSOperation>(_ operation: Op, impersonating impersonation: ConnectingSID? = nil) async -> EWSCall<Op.Payload> {
        let request = await httpRequest(operation, impersonating: impersonation)
        var response: HTTPResponse
        // Throttled: wait exactly as long as asked (briefly after ErrorExceededConnectionCount),
        // then again (see ThrottlingPolicy.swift).
        var retries = 0, busyRetries = 0, waited = 0
        var refused = false
        do {
            var asked: (milliseconds: Int, reason: String)?
            (response, asked) = try await send(request)
            let policy = configuration.throttling
            while retries < policy.maxRetries, let (ms, reason) = asked,
                  policy.allows(ms, after: waited), !Task.isCancelled {
                if reason != ThrottlingPolicy.exceededConnectionCount {
                    guard busyRetries < policy.maxBusyRetries else { refused = busyRetries > 0; break }
                    busyRetries += 1
                } else {
                    busyRetries = 0
                }
                let wait = ThrottlingPolicy.Wait(reason: reason, milliseconds: ms, exchangeID: response.exchange.id)
                ThrottleLog.current?.append(wait, exchange: response.exchange)
                configuration.runThrottleLog?.append(wait)
                do { try await Task.sleep(for: .milliseconds(ms)) } catch { break }
                retries += 1
                waited += ms
                (response, asked) = try await send(request)
            }
        } catch let error as TransportError {
            return EWSCall(outcome: .transportError(error), httpStatus: nil, serverVersion: nil, exchange: error.exchange, responseHeaders: [])
        } catch {
            return EWSCall(outcome: .transportError(.internalError("\(error)")), httpStatus: nil, serverVersion: nil, exchange: nil, responseHeaders: [])
        }
        var call = Self.read(response, operation: operation)
        if refused { call.refusedAfterBackOffs = busyRetries + 1 }
        return call
    }

    /// Sends one request within the run's width (``Configuration/concurrency``): an
    /// `ErrorExceededConnectionCount` answer lowers it, and is recorded where the waits are.
    /// Returns the response with the wait it asks for (``ThrottlingPolicy/retryWait(_:)``, read once).
    private func send(_ request: HTTPRequest) async throws -> (HTTPResponse, (milliseconds: Int, reason: String)?) {
        guard let limiter = configuration.concurrency else {
            let response = try await transport.send(request)
            return (response, configuration.throttling.retryWait(response))
        }
        let ticket = await limiter.acquire()
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            limiter.release(ticket, succeeded: false)
            throw error
        }
        let asked = configuration.throttling.retryWait(response)
        if asked?.reason == ThrottlingPolicy.exceededConnectionCount {
            if let lowering = limiter.lower(ticket, reason: ThrottlingPolicy.exceededConnectionCount, exchangeID: response.exchange.id) {
                ThrottleLog.current?.append(lowering)
                configuration.runThrottleLog?.append(lowering)
            }
            limiter.release(ticket, succeeded: false)
        } else {
            limiter.release(ticket, succeeded: asked == nil)
        }
        return (response, asked)
    }

    /// The HTTP request of `operation`: the envelope, the EWS headers, the anchor, the provider's
    /// extra headers and its last adjustment.
    func httpRequest<Op: EWSOperation>(_ operation: Op, impersonating impersonation: ConnectingSID?) async -> HTTPRequest {
        let envelope = SOAPRequest(version: configuration.requestVersion, impersonation: impersonation, body: operation.bodyXML)
        var headers = [
            HTTPHeader("Content-Type", "text/xml; charset=utf-8"),
            HTTPHeader("Accept", "text/xml"),
            HTTPHeader("SOAPAction", "\"\(EWSNamespace.messages)/\(Op.name)\""),
        ]
        if configuration.sendAnchorMailbox, let impersonation {
            headers.append(HTTPHeader("X-AnchorMailbox", impersonation.anchorMailbox))
        }
        headers += configuration.extraHeaders
        var request = HTTPRequest(method: "POST", url: configuration.url, headers: headers, body: Array(envelope.xml.utf8))
        await configuration.requestAdjuster?(&request, Op.name, impersonation)
        return request
    }

    static func read<Op: EWSOperation>(_ response: HTTPResponse, operation: Op) -> EWSCall<Op.Payload> {
        var call = EWSCall<Op.Payload>(outcome: .malformed(""), httpStatus: response.status, serverVersion: nil,
                                       exchange: response.exchange, responseHeaders: response.headers)
        let contentType = response.headers.first("Content-Type")?.lowercased() ?? ""
        let looksXML = contentType.contains("xml") || response.body.first == UInt8(ascii: "<")
        guard response.status == 200 || (response.status == 500 && looksXML) else {
            call.outcome = .httpError(status: response.status, reason: Self.reason(for: response))
            return call
        }
        let soap: SOAPResponse
        do {
            soap = try SOAPResponse(bytes: response.body)
        } catch {
            call.outcome = .malformed(error.description)
            return call
        }
        call.serverVersion = soap.serverVersion
        if let fault = soap.fault {
            call.outcome = .fault(fault)
            return call
        }
        guard let body = soap.bodyElement else {
            call.outcome = .malformed("SOAP Body has no element")
            return call
        }
        guard body.name == "\(Op.name)Response", let list = operation.responseMessages(in: ResponseElement(body)) else {
            call.outcome = .malformed("expected <\(Op.name)Response> with <ResponseMessages>, got <\(body.name)>")
            return call
        }
        var messages: [ResponseMessage<Op.Payload>] = []
        for pair in list {
            let element = pair.message.element
            guard let cls = element.attribute("ResponseClass").flatMap(ResponseClass.init(rawValue:)) else {
                call.outcome = .malformed("<\(element.name)> has no valid ResponseClass")
                return call
            }
            let code = element.child("ResponseCode")?.text ?? (cls == .success ? "NoError" : "")
            messages.append(ResponseMessage(
                responseClass: cls, responseCode: code, messageText: element.child("MessageText")?.text,
                messageXml: element.child("MessageXml")?.xml,
                payload: cls == .error ? nil : operation.payload(in: pair.payload)))
        }
        call.outcome = .responses(messages)
        return call
    }

    private static func reason(for response: HTTPResponse) -> String {
        switch response.status {
        case 401:
            let offered = response.headers.all("WWW-Authenticate").map { $0.split(separator: " ").first.map(String.init) ?? $0 }
            return "unauthorized (server offers: \(offered.isEmpty ? "nothing" : offered.joined(separator: ", ")))"
        case 403: return "forbidden"
        case 301, 302, 303, 307, 308:
            return "redirect to \(response.headers.first("Location") ?? "nowhere") (not followed)"
        case 503:
            return "service unavailable\(response.headers.first("Retry-After").map { ", Retry-After: \($0)" } ?? "")"
        default:
            let text = response.text.prefix(200).replacingOccurrences(of: "\n", with: " ")
            return text.isEmpty ? "no body" : String(text)
        }
    }
}
