private import CEWSCurl

/// libcurl's global state: the program's only initialisation, run once before the first handle
/// (every handle is made by ``CurlEasyHandle``).
private let curlGlobalReady: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

/// One libcurl easy handle and the memory it points to (its error buffer, its host-pin lists),
/// released in the order libcurl needs: the handle first, then what it referenced.
///
/// The one place that makes handles, so libcurl has one owner: the transport's kept-alive
/// handles (``CurlHandle``) and its connect-only handshakes (``TLSHandshake``).
final class CurlEasyHandle {
    /// The `CURL *`.
    let raw: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER's buffer.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// `curl_slist *` lists the handle points to (CURLOPT_RESOLVE, CURLOPT_CONNECT_TO).
    private var lists: [OpaquePointer] = []
    /// Other memory the handle points to (a callback's data), freed after the handle.
    private var owned: [UnsafeMutableRawPointer] = []
    /// The flag the progress callback reads (CURLOPT_XFERINFODATA), kept while the handle points to it.
    private var cancellation: CancellationFlag?

    /// A new handle with its error buffer set, or nil when libcurl cannot make one.
    init?() {
        guard curlGlobalReady, let handle = curl_easy_init() else { return nil }
        raw = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        if cews_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer) != CURLE_OK {
            curl_easy_cleanup(handle)
            errorBuffer.deallocate()
            return nil
        }
    }

    deinit {
        // libcurl may touch the lists and the buffer until the handle is gone.
        curl_easy_cleanup(raw)
        for list in lists { curl_slist_free_all(UnsafeMutablePointer(list)) }
        for memory in owned { memory.deallocate() }
        errorBuffer.deallocate()
    }

    /// Points the handle's host names at other addresses (CURLOPT_RESOLVE for `host:port:address`
    /// pins, CURLOPT_CONNECT_TO for pins with a port of their own); returns the options libcurl
    /// refused. Call once per handle.
    func pin(_ pins: [HostPin]) -> [String] {
        var resolve: UnsafeMutablePointer<curl_slist>?
        var connectTo: UnsafeMutablePointer<curl_slist>?
        for pin in pins {
            if pin.isConnectTo { connectTo = curl_slist_append(connectTo, pin.description) }
            else { resolve = curl_slist_append(resolve, pin.description) }
        }
        var refused: [String] = []
        if let resolve {
            lists.append(OpaquePointer(resolve))
            let code = cews_setopt_slist(raw, CURLOPT_RESOLVE, resolve)
            if code != CURLE_OK { refused.append("CURLOPT_RESOLVE: \(String(cString: curl_easy_strerror(code)))") }
        }
        if let connectTo {
            lists.append(OpaquePointer(connectTo))
            let code = cews_setopt_slist(raw, CURLOPT_CONNECT_TO, connectTo)
            if code != CURLE_OK { refused.append("CURLOPT_CONNECT_TO: \(String(cString: curl_easy_strerror(code)))") }
        }
        return refused
    }

    /// Sets how the peer is verified (with `tls`'s CA file, only counted when verifying) and the
    /// client certificate presented, if any; returns the options libcurl refused.
    func trust(_ tls: HTTPTransportConfiguration.TLS, verify: Bool) -> [String] {
        var refused: [String] = []
        func set(_ code: CURLcode, _ option: String) {
            if code != CURLE_OK { refused.append("\(option): \(String(cString: curl_easy_strerror(code)))") }
        }
        set(cews_setopt_long(raw, CURLOPT_SSL_VERIFYPEER, verify ? 1 : 0), "CURLOPT_SSL_VERIFYPEER")
        set(cews_setopt_long(raw, CURLOPT_SSL_VERIFYHOST, verify ? 2 : 0), "CURLOPT_SSL_VERIFYHOST")
        // An unusable CA file must not stop a handshake that does not verify (it reads the
        // certificate that failed).
        if verify, let ca = tls.caFile { set(cews_setopt_string(raw, CURLOPT_CAINFO, ca), "CURLOPT_CAINFO") }
        if let cert = tls.clientCertificateFile {
            set(cews_setopt_string(raw, CURLOPT_SSLCERT, cert), "CURLOPT_SSLCERT")
            set(cews_setopt_string(raw, CURLOPT_SSLCERTTYPE, "PEM"), "CURLOPT_SSLCERTTYPE")
            if let key = tls.clientKeyFile {
                set(cews_setopt_string(raw, CURLOPT_SSLKEY, key), "CURLOPT_SSLKEY")
                set(cews_setopt_string(raw, CURLOPT_SSLKEYTYPE, "PEM"), "CURLOPT_SSLKEYTYPE")
            }
        }
        return refused
    }

    /// Has libcurl abort the handle's transfers (CURLE_ABORTED_BY_CALLBACK) within about a second
    /// of `flag` being set, also while connecting, shaking hands or waiting for a silent server;
    /// returns the options libcurl refused.
    func abort(on flag: CancellationFlag) -> [String] {
        var refused: [String] = []
        func set(_ code: CURLcode, _ option: String) {
            if code != CURLE_OK { refused.append("\(option): \(String(cString: curl_easy_strerror(code)))") }
        }
        set(cews_setopt_xferinfo_cb(raw, curlAbortCheck), "CURLOPT_XFERINFOFUNCTION")
        set(cews_setopt_pointer(raw, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(flag).toOpaque()), "CURLOPT_XFERINFODATA")
        set(cews_setopt_long(raw, CURLOPT_NOPROGRESS, 0), "CURLOPT_NOPROGRESS")
        // The previous flag is released only once libcurl points to this one.
        cancellation = flag
        return refused
    }

    /// Allocates zeroed memory for a `T` (a plain C struct) that lives as long as the handle, for
    /// data the handle's callbacks write.
    func allocate<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.stride)
        owned.append(memory)
        return memory.bindMemory(to: T.self, capacity: 1)
    }

    /// Empties the error buffer before a transfer.
    func clearError() { errorBuffer[0] = 0 }

    /// libcurl's words for the last failure: the error buffer, or the generic text of `code`.
    func message(forCode code: Int) -> String {
        if errorBuffer[0] != 0 { return String(cString: errorBuffer) }
        return String(cString: curl_easy_strerror(CURLcode(rawValue: UInt32(code))))
    }
}

/// Called by libcurl at least once a second while a transfer runs (also while it connects or waits
/// for a silent server): a non-zero answer aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
private func curlAbortCheck(_ userdata: UnsafeMutableRawPointer?, _ dltotal: curl_off_t, _ dlnow: curl_off_t,
                            _ ultotal: curl_off_t, _ ulnow: curl_off_t) -> Int32 {
    guard let userdata else { return 0 }
    return Unmanaged<CancellationFlag>.fromOpaque(userdata).takeUnretainedValue().isCancelled ? 1 : 0
}
