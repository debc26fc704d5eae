private import CEWSCurl
import Foundation

/// What one transfer collects through libcurl's callbacks. Lives only while the transfer runs,
/// on the worker thread that runs it.
final class TransferState {
    var body: [UInt8] = []
    let maxBytes: Int
    var tooLarge = false
    var legs: [HTTPExchange.Leg] = []
    /// Sees each head and piece of body as it arrives (a streamed response); nil for a plain request.
    let observer: (@Sendable (HTTPStreamPart) -> Bool)?
    /// Whether the observer asked to close the connection.
    var closedByObserver = false

    init(maxBytes: Int, observer: (@Sendable (HTTPStreamPart) -> Bool)? = nil) {
        self.maxBytes = maxBytes
        self.observer = observer
    }

    /// Hands a part to the observer; false when it asks to close the connection.
    func deliver(_ part: HTTPStreamPart) -> Bool {
        guard let observer else { return true }
        if observer(part) { return true }
        closedByObserver = true
        return false
    }

    func beginRequest(headerBlock: String) {
        var headers: [HTTPHeader] = []
        for line in headerBlock.split(whereSeparator: { $0.isNewline }) {
            if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon])
                let value = UTF8Search.trimmedASCIISpace(line[line.index(after: colon)...])
                headers.append(HTTPHeader(name, Redaction.headerValue(name: name, value: value)))
            } else {
                headers.append(HTTPHeader(":request-line", String(line)))
            }
        }
        legs.append(HTTPExchange.Leg(requestHeaders: headers, status: nil, responseHeaders: []))
    }

    /// Reads one header line; false when a streaming observer, handed the finished head, asks to close.
    func responseLine(_ line: String) -> Bool {
        let trimmed = UTF8Search.trimmedASCIISpace(line)
        if trimmed.isEmpty {
            // The end of a leg's header block.
            guard observer != nil, let status = legs.last?.status else { return true }
            return deliver(.head(status: status, headers: finalHeadersLeg == legs.count - 1 ? finalHeaders : []))
        }
        if trimmed.hasPrefix("HTTP/") {
            let parts = trimmed.split(separator: " ")
            let status = parts.count > 1 ? Int(parts[1]) : nil
            if let last = legs.indices.last, legs[last].status == nil {
                legs[last].status = status
            } else {
                legs.append(HTTPExchange.Leg(requestHeaders: [], status: status, responseHeaders: []))
            }
            // Each leg has its own body; only the last one is the answer.
            body.removeAll(keepingCapacity: true)
            return true
        }
        guard let colon = trimmed.firstIndex(of: ":"), let last = legs.indices.last else { return true }
        let name = String(trimmed[..<colon])
        let value = UTF8Search.trimmedASCIISpace(trimmed[trimmed.index(after: colon)...])
        legs[last].responseHeaders.append(HTTPHeader(name, Redaction.headerValue(name: name, value: value)))
        rawFinalHeaders(append: HTTPHeader(name, value), legIndex: last)
        return true
    }

    // Unredacted headers of the latest leg, for the caller (never stored in evidence).
    private(set) var finalHeaders: [HTTPHeader] = []
    private var finalHeadersLeg = -1
    private func rawFinalHeaders(append header: HTTPHeader, legIndex: Int) {
        if legIndex != finalHeadersLeg {
            finalHeaders = []
            finalHeadersLeg = legIndex
        }
        finalHeaders.append(header)
    }
}

private func curlWrite(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                       _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let ptr, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    if state.body.count + length > state.maxBytes {
        state.tooLarge = true
        return 0
    }
    let piece = ptr.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    state.body.append(contentsOf: piece)
    // A streamed response: the observer sees the piece now, and may hang up (CURLE_WRITE_ERROR).
    return state.deliver(.body(piece)) ? length : 0
}

private func curlHeader(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                        _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let ptr, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = ptr.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    return state.responseLine(line) ? length : 0
}

private func curlDebug(_ handle: UnsafeMutableRawPointer?, _ type: curl_infotype,
                       _ data: UnsafeMutablePointer<CChar>?, _ size: Int,
                       _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    guard type == CURLINFO_HEADER_OUT, let data, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let block = data.withMemoryRebound(to: UInt8.self, capacity: size) {
        String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self)
    }
    state.beginRequest(headerBlock: block)
    return 0
}

/// One libcurl easy handle, owned by one worker thread and reused for every request that thread
/// runs, so its connection (and an NTLM-authenticated connection) stays alive.
final class CurlHandle {
    /// The handle with its error buffer and host-pin lists (cleaned up in that order).
    private let easy: CurlEasyHandle
    private var handle: UnsafeMutableRawPointer { easy.raw }
    private let configuration: HTTPTransportConfiguration

    init?(configuration: HTTPTransportConfiguration) {
        guard let easy = CurlEasyHandle() else { return nil }
        self.easy = easy
        self.configuration = configuration
        applyFixedOptions()
    }

    /// Options libcurl refused when the handle was set up; every request then fails with them.
    private var setupRefusals: [String] = []
    /// Options libcurl refused while one request was being set up.
    private var requestRefusals: [String] = []

    /// Records a refused option: a setting that silently did not apply would make the provider
    /// look wrong for the harness's fault (no NTLM in this libcurl, a time limit not in force).
    private func want(_ code: CURLcode, _ option: String, setup: Bool = false) {
        guard code != CURLE_OK else { return }
        let text = "\(option): \(String(cString: curl_easy_strerror(code)))"
        if setup { setupRefusals.append(text) } else { requestRefusals.append(text) }
    }

    private func applyFixedOptions() {
        let c = configuration
        func set(_ code: CURLcode, _ option: String) { want(code, option, setup: true) }
        set(cews_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
        set(cews_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "CURLOPT_PROTOCOLS_STR")
        set(cews_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "CURLOPT_FOLLOWLOCATION")
        set(cews_setopt_long(handle, CURLOPT_HTTP_VERSION, CEWS_CURL_HTTP_VERSION_1_1), "CURLOPT_HTTP_VERSION")
        // libcurl takes a negative limit without complaint (and then has none): refuse it here.
        for (value, option) in [(c.timeout.connect, "CURLOPT_CONNECTTIMEOUT_MS"), (c.timeout.request, "CURLOPT_TIMEOUT_MS")]
        where Self.milliseconds(value) <= 0 {
            setupRefusals.append("\(option): a time limit must be above 0 s (got \(value))")
        }
        set(cews_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(c.timeout.connect)), "CURLOPT_CONNECTTIMEOUT_MS")
        set(cews_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(c.timeout.request)), "CURLOPT_TIMEOUT_MS")
        set(cews_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1), "CURLOPT_TCP_KEEPALIVE")
        set(cews_setopt_long(handle, CURLOPT_SSLVERSION, CEWS_CURL_SSLVERSION_TLSv1_2), "CURLOPT_SSLVERSION")
        setupRefusals += easy.trust(c.tls, verify: c.tls.verify)
        setupRefusals += Self.applyProxy(c.proxy, to: handle)
        set(cews_setopt_string(handle, CURLOPT_USERAGENT, c.userAgent), "CURLOPT_USERAGENT")
        set(cews_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(c.maxResponseBytes)), "CURLOPT_MAXFILESIZE_LARGE")
        set(cews_setopt_data_cb(handle, CURLOPT_WRITEFUNCTION, curlWrite), "CURLOPT_WRITEFUNCTION")
        set(cews_setopt_data_cb(handle, CURLOPT_HEADERFUNCTION, curlHeader), "CURLOPT_HEADERFUNCTION")
        set(cews_setopt_debug_cb(handle, curlDebug), "CURLOPT_DEBUGFUNCTION")
        set(cews_setopt_long(handle, CURLOPT_VERBOSE, 1), "CURLOPT_VERBOSE")
        setupRefusals += easy.pin(c.hostPins)
    }

    /// Whole milliseconds for libcurl (-1 for a value that is not finite, which is then refused).
    static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite else { return -1 }
        return Int((seconds * 1000).rounded())
    }

    /// Sets the proxy options (an empty CURLOPT_PROXY is libcurl's way to ignore the environment);
    /// returns the options libcurl refused.
    static func applyProxy(_ proxy: HTTPTransportConfiguration.Proxy, to handle: UnsafeMutableRawPointer) -> [String] {
        guard let value = proxy.curlOptionValue else { return [] }
        let code = cews_setopt_string(handle, CURLOPT_PROXY, value)
        return code == CURLE_OK ? [] : ["CURLOPT_PROXY: \(String(cString: curl_easy_strerror(code)))"]
    }

    private func applyCredentials(_ send: Bool, _ current: HTTPCredentials? = nil) {
        let creds = send ? (current ?? configuration.credentials) : .none
        want(cews_setopt_string(handle, CURLOPT_SERVICE_NAME, nil), "CURLOPT_SERVICE_NAME")
        switch creds {
        case .none:
            want(cews_setopt_unsigned(handle, CURLOPT_HTTPAUTH, CEWS_CURLAUTH_NONE), "CURLOPT_HTTPAUTH")
            want(cews_setopt_string(handle, CURLOPT_USERNAME, nil), "CURLOPT_USERNAME")
            want(cews_setopt_string(handle, CURLOPT_PASSWORD, nil), "CURLOPT_PASSWORD")
            want(cews_setopt_string(handle, CURLOPT_XOAUTH2_BEARER, nil), "CURLOPT_XOAUTH2_BEARER")
        case .basic(let user, let password), .ntlm(let user, let password), .digest(let user, let password):
            let scheme: UInt
            switch creds {
            case .ntlm: scheme = CEWS_CURLAUTH_NTLM
            case .digest: scheme = CEWS_CURLAUTH_DIGEST
            default: scheme = CEWS_CURLAUTH_BASIC
            }
            want(cews_setopt_unsigned(handle, CURLOPT_HTTPAUTH, scheme), "CURLOPT_HTTPAUTH")
            want(cews_setopt_string(handle, CURLOPT_USERNAME, user), "CURLOPT_USERNAME")
            password.withUnsafeValue { want(cews_setopt_string(handle, CURLOPT_PASSWORD, $0), "CURLOPT_PASSWORD") }
            want(cews_setopt_string(handle, CURLOPT_XOAUTH2_BEARER, nil), "CURLOPT_XOAUTH2_BEARER")
        case .bearer(let token):
            want(cews_setopt_unsigned(handle, CURLOPT_HTTPAUTH, CEWS_CURLAUTH_BEARER), "CURLOPT_HTTPAUTH")
            want(cews_setopt_string(handle, CURLOPT_USERNAME, nil), "CURLOPT_USERNAME")
            want(cews_setopt_string(handle, CURLOPT_PASSWORD, nil), "CURLOPT_PASSWORD")
            token.withUnsafeValue { want(cews_setopt_string(handle, CURLOPT_XOAUTH2_BEARER, $0), "CURLOPT_XOAUTH2_BEARER") }
        case .negotiate(let negotiate):
            // libcurl's GSS layer takes the thread's default cache: this worker's, set per request.
            KerberosTicketCache.useOnCurrentThread(negotiate.cacheName)
            want(cews_setopt_unsigned(handle, CURLOPT_HTTPAUTH, CEWS_CURLAUTH_NEGOTIATE), "CURLOPT_HTTPAUTH")
            // An empty user and password, like `curl --negotiate -u :`: the identity is the ticket's.
            want(cews_setopt_string(handle, CURLOPT_USERNAME, ""), "CURLOPT_USERNAME")
            want(cews_setopt_string(handle, CURLOPT_PASSWORD, ""), "CURLOPT_PASSWORD")
            want(cews_setopt_string(handle, CURLOPT_SERVICE_NAME, negotiate.serviceName), "CURLOPT_SERVICE_NAME")
            want(cews_setopt_string(handle, CURLOPT_XOAUTH2_BEARER, nil), "CURLOPT_XOAUTH2_BEARER")
        }
    }

    /// How the last streamed request (one with an observer) ended; nil after a plain request.
    private(set) var streamEnding: HTTPStreamResult.Ending?

    /// Runs one request to completion on the calling (worker) thread; with an `observer`, the
    /// response is handed over as it arrives, and a stream the observer, the time limit or a
    /// cancellation ends after the request was sent is an answer (``streamEnding`` says how), not an error.
    func perform(_ request: HTTPRequest, id: Int, sendCredentials: Bool, credentials current: HTTPCredentials? = nil,
                 cancellation: CancellationFlag = CancellationFlag(),
                 observer: (@Sendable (HTTPStreamPart) -> Bool)? = nil) -> Result<HTTPResponse, TransportError> {
        streamEnding = nil
        if let refused = setupRefusals.first {
            return .failure(.optionRefused("libcurl refused \(refused); nothing was sent to \(request.url)"))
        }
        if cancellation.isCancelled {
            return .failure(.cancelled("cancelled before \(request.method) \(request.url) was sent"))
        }
        requestRefusals = []
        let started = Date()
        let clock = ContinuousClock.now
        let state = TransferState(maxBytes: configuration.maxResponseBytes, observer: observer)
        let opaque = Unmanaged.passUnretained(state).toOpaque()
        want(cews_setopt_pointer(handle, CURLOPT_WRITEDATA, opaque), "CURLOPT_WRITEDATA")
        want(cews_setopt_pointer(handle, CURLOPT_HEADERDATA, opaque), "CURLOPT_HEADERDATA")
        want(cews_setopt_pointer(handle, CURLOPT_DEBUGDATA, opaque), "CURLOPT_DEBUGDATA")
        requestRefusals += easy.abort(on: cancellation)
        want(cews_setopt_string(handle, CURLOPT_URL, request.url), "CURLOPT_URL")
        applyCredentials(sendCredentials, current)

        var headerList: UnsafeMutablePointer<curl_slist>?
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // No 100-continue round trip: EWS servers answer directly.
        headerList = curl_slist_append(headerList, "Expect:")
        want(cews_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
        defer {
            // Clearing a pointer option cannot fail; it only keeps libcurl from the freed list.
            _ = cews_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
            curl_slist_free_all(headerList)
        }

        want(cews_setopt_long(handle, CURLOPT_NOBODY, 0), "CURLOPT_NOBODY")
        want(cews_setopt_string(handle, CURLOPT_CUSTOMREQUEST, nil), "CURLOPT_CUSTOMREQUEST")
        switch request.method.uppercased() {
        case "GET":
            want(cews_setopt_long(handle, CURLOPT_HTTPGET, 1), "CURLOPT_HTTPGET")
        case "HEAD":
            want(cews_setopt_long(handle, CURLOPT_NOBODY, 1), "CURLOPT_NOBODY")
        case "POST":
            setBody(request.body)
        default:
            if request.body.isEmpty {
                want(cews_setopt_long(handle, CURLOPT_HTTPGET, 1), "CURLOPT_HTTPGET")
            } else {
                setBody(request.body)
            }
            want(cews_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method), "CURLOPT_CUSTOMREQUEST")
        }
        if let refused = requestRefusals.first {
            // Sending with a setting missing (no NTLM in this libcurl: the previous scheme would
            // be used) would put the harness's fault on the provider.
            return .failure(.optionRefused("libcurl refused \(refused); \(request.method) \(request.url) was not sent"))
        }
        easy.clearError()
        let code = curl_easy_perform(handle)

        var status = 0
        _ = cews_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var connects = 0
        _ = cews_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        var ipPointer: UnsafeMutablePointer<CChar>?
        _ = cews_getinfo_string(handle, CURLINFO_PRIMARY_IP, &ipPointer)
        let remote = ipPointer.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        let elapsed = ContinuousClock.now - clock
        let millis = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15

        var error: TransportError?
        if observer != nil {
            // A stream ends by the server, by the observer, by its window or by a cancellation;
            // the last two only count as an answer once the request went out.
            let sent = !state.legs.isEmpty
            switch code {
            case CURLE_OK: streamEnding = .serverClosed
            case CURLE_WRITE_ERROR where state.closedByObserver: streamEnding = .clientClosed
            case CURLE_OPERATION_TIMEDOUT where sent: streamEnding = .windowElapsed
            case CURLE_ABORTED_BY_CALLBACK where sent: streamEnding = .cancelled
            default: break
            }
        }
        if code != CURLE_OK, streamEnding == nil {
            error = translate(code, tooLarge: state.tooLarge, url: request.url)
            if code == CURLE_PEER_FAILED_VERIFICATION {
                // What failed to verify, read in a second handshake that does not verify.
                var verifyResult = 0
                let known = cews_getinfo_long(handle, CURLINFO_SSL_VERIFYRESULT, &verifyResult) == CURLE_OK
                error = error?.with(certificate: CertificateReader(configuration: configuration).read(
                    url: request.url, verifyResult: known ? verifyResult : nil, verifyError: error?.message ?? "",
                    cancellation: cancellation))
            }
        }
        let limit = configuration.traceBodyLimit
        let requestBody: String
        if request.bodyIsSensitive {
            requestBody = "[body not recorded: it may hold a secret]"
        } else {
            requestBody = Self.excerpt(request.body, limit: limit)
        }
        let exchange = HTTPExchange(
            id: id, started: started, method: request.method, url: request.url,
            requestBody: requestBody, legs: state.legs,
            responseBody: Self.excerpt(state.body, limit: limit),
            durationMilliseconds: (millis * 1000).rounded() / 1000, remoteAddress: remote,
            newConnections: connects, error: error?.description)
        if let error { return .failure(error.with(exchange: exchange)) }
        return .success(HTTPResponse(status: status, headers: state.finalHeaders, body: state.body, exchange: exchange))
    }

    private func setBody(_ body: [UInt8]) {
        want(cews_setopt_long(handle, CURLOPT_POST, 1), "CURLOPT_POST")
        want(cews_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "CURLOPT_POSTFIELDSIZE_LARGE")
        // COPYPOSTFIELDS copies, so libcurl can resend the body on each NTLM leg.
        if body.isEmpty {
            want(cews_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""), "CURLOPT_COPYPOSTFIELDS")
            return
        }
        body.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                want(cews_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base)), "CURLOPT_COPYPOSTFIELDS")
            }
        }
    }

    /// Whether libcurl's message is about the proxy (its address, or a refused CONNECT tunnel).
    static func blamesProxy(_ detail: String, _ proxy: HTTPTransportConfiguration.Proxy) -> Bool {
        let lower = detail.lowercased()
        if lower.contains("proxy") || lower.contains("connect tunnel") { return true }
        if case .url(let url) = proxy, let components = URLComponents(string: url), let host = components.host {
            let port = components.port.map(String.init) ?? "1080"
            return detail.contains("\(host) port \(port)")
        }
        return false
    }

    private static func excerpt(_ bytes: [UInt8], limit: Int) -> String {
        if bytes.count <= limit { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes.prefix(limit), as: UTF8.self) + "… [\(bytes.count - limit) more bytes]"
    }

    private func translate(_ code: CURLcode, tooLarge: Bool, url: String) -> TransportError {
        let detail = easy.message(forCode: Int(code.rawValue))
        switch code {
        case CURLE_WRITE_ERROR where tooLarge, CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge("response from \(url) is larger than \(configuration.maxResponseBytes) bytes")
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled("\(url): the run was cancelled while the request was in flight")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return .proxyFailed("\(url): \(detail)")
        case CURLE_PROXY:
            return .proxyFailed("\(url): \(detail)")
        case _ where configuration.proxy != .none && Self.blamesProxy(detail, configuration.proxy):
            return .proxyFailed("\(url): \(detail)")
        case CURLE_COULDNT_RESOLVE_HOST:
            return .resolveFailed("\(url): \(detail)")
        case CURLE_COULDNT_CONNECT:
            return .connectFailed("\(url): \(detail)")
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut("\(url): \(detail)")
        case CURLE_SSL_CACERT_BADFILE:
            return .caFileUnusable("\(url): the CA file \(configuration.tls.caFile ?? "(system store)") could not be loaded: \(detail)")
        case CURLE_SSL_CERTPROBLEM:
            return .tlsFailed("\(url): the client certificate \(configuration.tls.clientCertificateFile ?? "") or its key could not be used: \(detail)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR,
             CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE:
            return .tlsFailed("\(url): \(detail)")
        case CURLE_UNSUPPORTED_PROTOCOL where detail.contains("HTTP/0.9"):
            // libcurl's word for an answer without an HTTP status line.
            return .protocolError("\(url): the answer is not HTTP (no status line): \(detail)")
        case CURLE_OUT_OF_MEMORY where detail.lowercased().contains("out of memory"):
            // libcurl refuses a header line over 100 KB (CURL_MAX_HTTP_HEADER) with this code.
            return .protocolError("\(url): a response header line is too large for libcurl (over 100 KB), or memory ran out: \(detail)")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .invalidURL("\(url): \(detail)")
        case CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            return .protocolError("\(url): \(detail)")
        default:
            return .internalError("\(url): \(detail)")
        }
    }
}
