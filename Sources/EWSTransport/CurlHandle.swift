private import CEWSCurl
import Foundation

/// libcurl's global state, initialised once before the first handle.
private let curlGlobalInit: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

/// What one transfer collects through libcurl's callbacks. Lives only while the transfer runs,
/// on the worker thread that runs it.
final class TransferState {
    var body: [UInt8] = []
    let maxBytes: Int
    var tooLarge = false
    var legs: [HTTPExchange.Leg] = []

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    func beginRequest(headerBlock: String) {
        var headers: [HTTPHeader] = []
        for line in headerBlock.split(whereSeparator: { $0.isNewline }) {
            if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon])
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers.append(HTTPHeader(name, Redaction.headerValue(name: name, value: value)))
            } else {
                headers.append(HTTPHeader(":request-line", String(line)))
            }
        }
        legs.append(HTTPExchange.Leg(requestHeaders: headers, status: nil, responseHeaders: []))
    }

    func responseLine(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return }
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
            return
        }
        guard let colon = trimmed.firstIndex(of: ":"), let last = legs.indices.last else { return }
        let name = String(trimmed[..<colon])
        let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        legs[last].responseHeaders.append(HTTPHeader(name, Redaction.headerValue(name: name, value: value)))
        rawFinalHeaders(append: HTTPHeader(name, value), legIndex: last)
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
    ptr.withMemoryRebound(to: UInt8.self, capacity: length) {
        state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private func curlHeader(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                        _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let ptr, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = ptr.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    state.responseLine(line)
    return length
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
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let configuration: HTTPTransportConfiguration
    private var resolveList: OpaquePointer?
    private var connectToList: OpaquePointer?

    init?(configuration: HTTPTransportConfiguration) {
        guard curlGlobalInit, let h = curl_easy_init() else { return nil }
        handle = h
        self.configuration = configuration
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        applyFixedOptions()
    }

    deinit {
        curl_easy_cleanup(handle)
        if let resolveList { curl_slist_free_all(UnsafeMutablePointer(resolveList)) }
        if let connectToList { curl_slist_free_all(UnsafeMutablePointer(connectToList)) }
        errorBuffer.deallocate()
    }

    private func applyFixedOptions() {
        let c = configuration
        _ = cews_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = cews_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = cews_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = cews_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = cews_setopt_long(handle, CURLOPT_HTTP_VERSION, CEWS_CURL_HTTP_VERSION_1_1)
        _ = cews_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(c.timeout.connect * 1000))
        _ = cews_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(c.timeout.request * 1000))
        _ = cews_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = cews_setopt_long(handle, CURLOPT_SSLVERSION, CEWS_CURL_SSLVERSION_TLSv1_2)
        _ = cews_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, c.tls.verify ? 1 : 0)
        _ = cews_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, c.tls.verify ? 2 : 0)
        if let ca = c.tls.caFile { _ = cews_setopt_string(handle, CURLOPT_CAINFO, ca) }
        _ = cews_setopt_string(handle, CURLOPT_USERAGENT, c.userAgent)
        _ = cews_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(c.maxResponseBytes))
        _ = cews_setopt_data_cb(handle, CURLOPT_WRITEFUNCTION, curlWrite)
        _ = cews_setopt_data_cb(handle, CURLOPT_HEADERFUNCTION, curlHeader)
        _ = cews_setopt_debug_cb(handle, curlDebug)
        _ = cews_setopt_long(handle, CURLOPT_VERBOSE, 1)
        var resolve: UnsafeMutablePointer<curl_slist>?
        var connectTo: UnsafeMutablePointer<curl_slist>?
        for pin in c.hostPins {
            if pin.isConnectTo { connectTo = curl_slist_append(connectTo, pin.description) }
            else { resolve = curl_slist_append(resolve, pin.description) }
        }
        if let resolve {
            resolveList = OpaquePointer(resolve)
            _ = cews_setopt_slist(handle, CURLOPT_RESOLVE, resolve)
        }
        if let connectTo {
            connectToList = OpaquePointer(connectTo)
            _ = cews_setopt_slist(handle, CURLOPT_CONNECT_TO, connectTo)
        }
    }

    private func applyCredentials(_ send: Bool) {
        let creds = send ? configuration.credentials : .none
        _ = cews_setopt_string(handle, CURLOPT_SERVICE_NAME, nil)
        switch creds {
        case .none:
            _ = cews_setopt_unsigned(handle, CURLOPT_HTTPAUTH, CEWS_CURLAUTH_NONE)
            _ = cews_setopt_string(handle, CURLOPT_USERNAME, nil)
            _ = cews_setopt_string(handle, CURLOPT_PASSWORD, nil)
            _ = cews_setopt_string(handle, CURLOPT_XOAUTH2_BEARER, nil)
        case .basic(let user, let password), .ntlm(let user, let password), .digest(let user, let password):
            let scheme: UInt
            switch creds {
            case .ntlm: scheme = CEWS_CURLAUTH_NTLM
            case .digest: scheme = CEWS_CURLAUTH_DIGEST
            default: scheme = CEWS_CURLAUTH_BASIC
            }
            _ = cews_setopt_unsigned(handle, CURLOPT_HTTPAUTH, scheme)
            _ = cews_setopt_string(handle, CURLOPT_USERNAME, user)
            password.withUnsafeValue { _ = cews_setopt_string(handle, CURLOPT_PASSWORD, $0) }
            _ = cews_setopt_string(handle, CURLOPT_XOAUTH2_BEARER, nil)
        case .bearer(let token):
            _ = cews_setopt_unsigned(handle, CURLOPT_HTTPAUTH, CEWS_CURLAUTH_BEARER)
            _ = cews_setopt_string(handle, CURLOPT_USERNAME, nil)
            _ = cews_setopt_string(handle, CURLOPT_PASSWORD, nil)
            token.withUnsafeValue { _ = cews_setopt_string(handle, CURLOPT_XOAUTH2_BEARER, $0) }
        case .negotiate(let negotiate):
            // libcurl's GSS layer takes the thread's default cache: this worker's, set per request.
            KerberosTicketCache.useOnCurrentThread(negotiate.cacheName)
            _ = cews_setopt_unsigned(handle, CURLOPT_HTTPAUTH, CEWS_CURLAUTH_NEGOTIATE)
            // An empty user and password, like `curl --negotiate -u :`: the identity is the ticket's.
            _ = cews_setopt_string(handle, CURLOPT_USERNAME, "")
            _ = cews_setopt_string(handle, CURLOPT_PASSWORD, "")
            _ = cews_setopt_string(handle, CURLOPT_SERVICE_NAME, negotiate.serviceName)
            _ = cews_setopt_string(handle, CURLOPT_XOAUTH2_BEARER, nil)
        }
    }

    /// Runs one request to completion on the calling (worker) thread.
    func perform(_ request: HTTPRequest, id: Int, sendCredentials: Bool) -> Result<HTTPResponse, TransportError> {
        let started = Date()
        let clock = ContinuousClock.now
        let state = TransferState(maxBytes: configuration.maxResponseBytes)
        let opaque = Unmanaged.passUnretained(state).toOpaque()
        _ = cews_setopt_pointer(handle, CURLOPT_WRITEDATA, opaque)
        _ = cews_setopt_pointer(handle, CURLOPT_HEADERDATA, opaque)
        _ = cews_setopt_pointer(handle, CURLOPT_DEBUGDATA, opaque)
        _ = cews_setopt_string(handle, CURLOPT_URL, request.url)
        applyCredentials(sendCredentials)

        var headerList: UnsafeMutablePointer<curl_slist>?
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // No 100-continue round trip: EWS servers answer directly.
        headerList = curl_slist_append(headerList, "Expect:")
        _ = cews_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        defer {
            _ = cews_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
            curl_slist_free_all(headerList)
        }

        _ = cews_setopt_long(handle, CURLOPT_NOBODY, 0)
        _ = cews_setopt_string(handle, CURLOPT_CUSTOMREQUEST, nil)
        switch request.method.uppercased() {
        case "GET":
            _ = cews_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD":
            _ = cews_setopt_long(handle, CURLOPT_NOBODY, 1)
        case "POST":
            setBody(request.body)
        default:
            if request.body.isEmpty {
                _ = cews_setopt_long(handle, CURLOPT_HTTPGET, 1)
            } else {
                setBody(request.body)
            }
            _ = cews_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        errorBuffer[0] = 0
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
        if code != CURLE_OK {
            error = translate(code, tooLarge: state.tooLarge, url: request.url)
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
        _ = cews_setopt_long(handle, CURLOPT_POST, 1)
        _ = cews_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        // COPYPOSTFIELDS copies, so libcurl can resend the body on each NTLM leg.
        if body.isEmpty {
            _ = cews_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            return
        }
        body.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                _ = cews_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
            }
        }
    }

    private static func excerpt(_ bytes: [UInt8], limit: Int) -> String {
        if bytes.count <= limit { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes.prefix(limit), as: UTF8.self) + "… [\(bytes.count - limit) more bytes]"
    }

    private func translate(_ code: CURLcode, tooLarge: Bool, url: String) -> TransportError {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_WRITE_ERROR where tooLarge, CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge("response from \(url) is larger than \(configuration.maxResponseBytes) bytes")
        case CURLE_COULDNT_RESOLVE_HOST:
            return .resolveFailed("\(url): \(detail)")
        case CURLE_COULDNT_CONNECT:
            return .connectFailed("\(url): \(detail)")
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut("\(url): \(detail)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE:
            return .tlsFailed("\(url): \(detail)")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .invalidURL("\(url): \(detail)")
        case CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            return .protocolError("\(url): \(detail)")
        default:
            return .internalError("\(url): \(detail)")
        }
    }
}
