private import EWSExecutor
import NIOCore
import NIOHTTP1

/// The NIO handler of one connection: collects a request (bounded), lets the router answer it,
/// and keeps the connection (and its NTLM state) alive as the client asks.
///
/// The router's work blocks (XSD validation, RSA signing, NTLM and Kerberos, the store's locks), so
/// it runs on the blocking executor, never on the event loop; the loop only reads and writes. Requests
/// of one connection are answered one at a time and in order (a pipelining client waits its turn).
final class SimulatorHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: SimulatorRouter
    private let tls: Bool
    private let maxBody: Int
    private let latency: TimeAmount
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var connection = ConnectionState()
    private var streamTask: RepeatedTask?
    /// Requests read while an earlier one of this connection is with the router.
    private var waiting: [(HTTPRequestHead, SimulatedRequest?)] = []
    private var busy = false

    init(router: SimulatorRouter, tls: Bool, maxBody: Int, latencyMilliseconds: Int = 0) {
        self.router = router
        self.tls = tls
        self.maxBody = maxBody
        latency = .milliseconds(Int64(latencyMilliseconds))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            tooLarge = false
        case .body(let chunk):
            if body.count + chunk.readableBytes > maxBody {
                tooLarge = true
            } else {
                body += chunk.readableBytesView
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let request: SimulatedRequest? = tooLarge ? nil : SimulatedRequest(
                method: head.method.rawValue, path: head.uri, host: head.headers.first(name: "Host"),
                headers: head.headers.map { ($0.name, $0.value) }, body: body, tls: tls)
            body = []
            waiting.append((head, request))
            answerNext(context: context)
        }
    }

    /// Hands the oldest waiting request to the router on the blocking executor, and writes its answer
    /// back on the event loop; then the next.
    private func answerNext(context: ChannelHandlerContext) {
        guard !busy, !waiting.isEmpty else { return }
        let (head, request) = waiting.removeFirst()
        guard let request else {
            finish(SimulatedResponse(status: 413, headers: [], body: []), for: head, context: context)
            return
        }
        busy = true
        let router = self.router
        let handoff = Handoff(connection: connection)
        let promise = context.eventLoop.makePromise(of: Handoff.self)
        BlockingExecutor.shared.submit("simulator-request") {
            handoff.response = router.handle(request, &handoff.connection)
            promise.succeed(handoff)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { handoff in
            let (handler, context) = bound.value
            handler.connection = handoff.connection
            // The request stays in flight for the throttling policy until its answer is written.
            let ticket = handler.connection.throttleTicket
            handler.connection.throttleTicket = nil
            handler.busy = false
            handler.finish(handoff.response ?? SimulatedResponse(status: 500, headers: [], body: []), for: head, context: context,
                           written: { if let ticket { router.release(ticket) } })
            handler.answerNext(context: context)
        }
    }

    /// Writes `response` now or after the configured latency.
    private func finish(_ response: SimulatedResponse, for head: HTTPRequestHead, context: ChannelHandlerContext,
                        written: @escaping @Sendable () -> Void = {}) {
        if latency > .zero {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: latency) {
                let (handler, context) = bound.value
                handler.write(response, for: head, context: context)
                written()
            }
        } else {
            write(response, for: head, context: context)
            written()
        }
    }

    private func write(_ response: SimulatedResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        if let stream = response.stream {
            writeStream(stream, response, for: request, context: context)
            return
        }
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        let keepAlive = request.isKeepAlive && response.status != 413
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// A chunked response whose parts come from polling `stream` until it says it is done.
    private func writeStream(_ stream: any ResponseStream, _ response: SimulatedResponse, for request: HTTPRequestHead,
                             context: ChannelHandlerContext) {
        if stream.buffered {
            writeBuffered(stream, response, for: request, context: context)
            return
        }
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.remove(name: "Content-Length")
        headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        streamTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(Int64(stream.pollMilliseconds))) { task in
            let (handler, context) = bound.value
            let (chunks, done) = stream.poll()
            for chunk in chunks {
                var buffer = context.channel.allocator.buffer(capacity: chunk.utf8.count)
                buffer.writeString(chunk)
                context.write(handler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            if done {
                task.cancel()
                handler.streamTask = nil
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
            } else if !chunks.isEmpty {
                context.flush()
            }
        }
    }

    /// The `streaming-buffered` quirk: the stream's parts are collected until it is done, then
    /// sent as one response with a Content-Length, as a buffering server or proxy does.
    private func writeBuffered(_ stream: any ResponseStream, _ response: SimulatedResponse, for request: HTTPRequestHead,
                               context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let held = NIOLoopBoundBox([UInt8](), eventLoop: context.eventLoop)
        streamTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(Int64(stream.pollMilliseconds))) { task in
            let (handler, context) = bound.value
            let (chunks, done) = stream.poll()
            for chunk in chunks { held.value += Array(chunk.utf8) }
            guard done else { return }
            task.cancel()
            handler.streamTask = nil
            var whole = response
            whole.stream = nil
            whole.body = held.value
            handler.write(whole, for: request, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A client that hangs up ends its event stream.
        streamTask?.cancel()
        streamTask = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A client that rejects the certificate, or speaks garbage, just loses its connection.
        context.close(promise: nil)
    }
}

/// One request's connection state and answer, handed from the event loop to the executor and back.
/// `@unchecked Sendable`: exactly one side holds it at a time (the loop waits for the promise before it
/// touches the connection again), so nothing in it is ever shared.
private final class Handoff: @unchecked Sendable {
    var connection: ConnectionState
    var response: SimulatedResponse?
    init(connection: ConnectionState) { self.connection = connection }
}
