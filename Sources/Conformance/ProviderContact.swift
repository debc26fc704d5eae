import EWSProtocol
import EWSTransport
import Foundation

/// The first contact with the provider, before any check: one unauthenticated SOAP POST to the EWS
/// URL (no credentials, so nothing can lock an account). An EWS endpoint answers it with 401 or
/// with SOAP; anything before that (no name, no connection, no trusted TLS, a 404, an HTML page, a
/// redirect) is a ``RootCause``: the run could not test, and says why in one line.
struct ProviderContact {
    let target: TargetConfiguration
    let transport: HTTPTransport
    /// Headers every EWS request of the run carries (a profile's required headers): a front end that
    /// insists on them must not turn the first contact into a false "could not test".
    var headers: [HTTPHeader] = []

    /// The probe's request body: GetFolder of the root folder, ids only (harmless if it ran).
    static let body = """
        <?xml version="1.0" encoding="utf-8"?>
        <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
        <soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header>
        <soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:FolderIds></m:GetFolder></soap:Body>
        </soap:Envelope>
        """

    /// The exchange made and the root cause it shows, if any (nil: the EWS endpoint answered).
    func probe() async -> (exchange: HTTPExchange?, cause: RootCause?) {
        let request = HTTPRequest(method: "POST", url: target.ewsURL,
                                  headers: [HTTPHeader("Content-Type", "text/xml; charset=utf-8")] + headers, body: Array(Self.body.utf8))
        do {
            let response = try await transport.send(request, sendCredentials: false)
            return (response.exchange, Self.cause(of: response, url: target.ewsURL).map { cause in
                var c = cause
                c.evidence = [response.exchange.id]
                return c
            })
        } catch let error as TransportError {
            if error.code == .cancelled { return (error.exchange, nil) }
            var cause = Self.cause(of: error, target: target)
            if let id = error.exchange?.id { cause.evidence = [id] }
            return (error.exchange, cause)
        } catch {
            return (nil, RootCause(kind: .transport, summary: "\(target.ewsURL): \(error)", remedy: "run again with --verbose and report this"))
        }
    }

    /// The root cause an HTTP answer shows, or nil when it is an EWS answer (401, or SOAP).
    static func cause(of response: HTTPResponse, url: String) -> RootCause? {
        let status = response.status
        if status == 401 { return nil }
        let contentType = response.headers.first("Content-Type")?.lowercased() ?? ""
        let head = String(decoding: response.body.prefix(2048), as: UTF8.self)
        let lowerHead = head.lowercased()
        let trimmed = lowerHead.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        let isHTML = contentType.contains("text/html") || trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html")
        let isSOAP = !isHTML && (lowerHead.contains(":envelope") || lowerHead.contains("<envelope"))
        if isSOAP { return nil }
        let path = URLComponents(string: url)?.path ?? url
        if (300...399).contains(status) {
            let location = response.headers.first("Location") ?? "(no Location header)"
            return RootCause(kind: .redirect,
                             summary: "the EWS URL \(url) redirects (HTTP \(status)) to \(location), not an EWS answer",
                             remedy: "EWS clients do not follow redirects on EWS requests: if the service moved, set ews_url to its new address; a redirect to a sign-in page means a proxy or web application firewall stands in front of EWS (EWS needs direct HTTP authentication)")
        }
        if status == 404 || status == 410 {
            return RootCause(kind: .notFound,
                             summary: "the EWS URL answered HTTP \(status): nothing at \(path) on \(Self.host(of: url))"
                                 + (isHTML ? (XMLPrescan.htmlTitle(in: response.body).map { " (HTML page: \($0))" } ?? " (an HTML page)") : ""),
                             remedy: "check the path in ews_url (Exchange serves EWS at /EWS/Exchange.asmx) or let Autodiscover find it (a discovery: section without ews_url)")
        }
        if isHTML {
            let title = XMLPrescan.htmlTitle(in: response.body).map { ": \($0)" } ?? " (untitled)"
            return RootCause(kind: .htmlPage,
                             summary: "HTML page instead of SOAP\(title) — HTTP \(status) from \(url)",
                             remedy: "the EWS URL serves a web page (a sign-in page, an error page, a default site), not EWS: check the path in ews_url (usually /EWS/Exchange.asmx) and whether a proxy or firewall intercepts it")
        }
        if [502, 503, 504].contains(status) {
            return RootCause(kind: .gateway,
                             summary: "the EWS URL answered HTTP \(status) without SOAP: a gateway or load balancer got no answer from the service behind it",
                             remedy: "the service is down or unreachable from its front end; try again later or ask the provider")
        }
        if status == 405 {
            return RootCause(kind: .notEWS,
                             summary: "the EWS URL refuses POST (HTTP 405): \(url) is not an EWS endpoint",
                             remedy: "check the path in ews_url (usually /EWS/Exchange.asmx)")
        }
        return nil
    }

    /// The root cause a transport failure shows.
    static func cause(of error: TransportError, target: TargetConfiguration) -> RootCause {
        let host = Self.host(of: target.ewsURL)
        let detail = error.message
        switch error.code {
        case .resolveFailed:
            return RootCause(kind: .nameResolution, summary: "the host name \(host) does not resolve (DNS): \(detail)",
                             remedy: "check the host name in ews_url for a typo and that this machine's DNS knows it; --resolve \(host):443:ADDRESS pins it to an address")
        case .connectFailed:
            return RootCause(kind: .connection, summary: "no connection to \(host): \(detail)",
                             remedy: "check the port in ews_url, that the service runs, and that no firewall blocks this machine")
        case .timedOut:
            return RootCause(kind: .timeout, summary: "no answer from \(host) in time: \(detail)",
                             remedy: "a firewall that drops packets looks like this; otherwise raise --connect-timeout / --request-timeout (timeouts: in the target file; now \(Self.seconds(target.timeout.connect)) and \(Self.seconds(target.timeout.request)))")
        case .caFileUnusable:
            return RootCause(kind: .caFile, summary: "the CA file \(target.caFile ?? "") could not be used: \(detail)",
                             remedy: "tls.ca_file / --ca-file must be a readable PEM file of CA certificates (-----BEGIN CERTIFICATE-----)")
        case .proxyFailed:
            return RootCause(kind: .proxy, summary: "the proxy \(target.proxy) could not be used: \(detail)",
                             remedy: "check proxy: in the target file or --proxy (none, environment, or a URL)")
        case .tlsFailed:
            guard let certificate = error.certificate else {
                return RootCause(kind: .tls, summary: "no TLS session with \(host): \(detail)",
                                 remedy: "check that ews_url's port speaks HTTPS and that the server offers TLS 1.2 or newer")
            }
            return RootCause(kind: .tls, summary: "TLS: \(certificate.finding) — \(certificate.details)",
                             remedy: tlsRemedy(certificate, caFile: target.caFile), certificate: certificate, providerFinding: true)
        case .protocolError:
            return RootCause(kind: .notEWS, summary: "\(host) did not answer with HTTP: \(detail)",
                             remedy: "check the scheme and port in ews_url (https on a port that speaks something else?)")
        default:
            return RootCause(kind: .transport, summary: "no answer from \(target.ewsURL): \(error)",
                             remedy: "see the evidence in report.json; run again with --verbose")
        }
    }

    static func tlsRemedy(_ certificate: PeerCertificate, caFile: String?) -> String {
        switch certificate.problem {
        case .expired, .notYetValid:
            return "the provider must install a currently valid certificate (check this machine's clock too)"
        case .nameMismatch:
            return "use a host name the certificate names in ews_url, or the provider must add \(certificate.host) to the certificate"
        case .selfSigned, .untrustedIssuer:
            if let caFile {
                return "the CA file \(caFile) does not hold the CA that issued this certificate (\(certificate.issuer ?? "?")); add that CA's certificate to it"
            }
            return "if the provider uses a private CA, pass its certificate with --ca-file (tls.ca_file); a publicly used endpoint needs a certificate from a public CA"
        case .other:
            return "compare the certificate with the trusted CAs (--ca-file) and the host name"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// The host part of a URL (IPv6 brackets removed), for messages.
    static func host(of url: String) -> String {
        if let components = URLComponents(string: url), let host = components.host {
            return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        }
        return url
    }
}
