private import CEWSCurl

/// Whether the linked libcurl binds Negotiate to the TLS channel (RFC 5929 `tls-server-end-point`,
/// what IIS's Extended Protection checks). libcurl does from 8.10 on, built with OpenSSL and MIT
/// krb5 1.19 or newer; Debian 12's 7.88 does not. There is no option: it is on when supported.
package enum NegotiateChannelBinding {
    /// The linked libcurl's version.
    package static var libcurlVersion: String { String(cString: cews_curl_version()) }

    /// Whether that libcurl sends channel bindings with Negotiate (from 8.10.0).
    package static var sentByLibcurl: Bool { cews_curl_version_num() >= 0x080A00 }

    /// A sentence for reports.
    package static var summary: String {
        sentByLibcurl
            ? "libcurl \(libcurlVersion) sends TLS channel bindings (tls-server-end-point) with Negotiate when built with OpenSSL and MIT krb5 1.19+"
            : "not sent: libcurl \(libcurlVersion) has no GSS-API channel binding (libcurl 8.10 added it); a server that requires Extended Protection refuses this client"
    }
}
