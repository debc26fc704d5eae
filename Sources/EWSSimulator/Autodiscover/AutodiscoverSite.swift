import EWSProtocol
import Foundation

/// The Autodiscover face of the simulator, per ``AutodiscoverLayout``: which host answers which
/// method, the redirects, the plain-HTTP listener's answers. The router hands it every request
/// first; it answers the Autodiscover paths (and everything arriving over plain HTTP).
final class AutodiscoverSite: Sendable {
    let layout: AutodiscoverLayout
    let domain: String
    let flavor: SimulatorFlavor
    let tenant: SimulatedTenant
    /// Where EWS lives (mail.<domain>, or outlook.office365.com for Exchange Online).
    let ewsHost: String
    let tlsPort: Int
    let soap: SOAPAutodiscoverResponder

    init(layout: AutodiscoverLayout, domain: String, flavor: SimulatorFlavor, tenant: SimulatedTenant, ewsHost: String,
         tlsPort: Int) {
        self.layout = layout
        self.domain = domain.lowercased()
        self.flavor = flavor
        self.tenant = tenant
        self.ewsHost = ewsHost
        self.tlsPort = tlsPort
        soap = SOAPAutodiscoverResponder(tenant: tenant, flavor: flavor)
    }

    private static let poxPath = "/autodiscover/autodiscover.xml"
    private static let soapPath = "/autodiscover/autodiscover.svc"
    private static let v2Prefix = "/autodiscover/autodiscover.json"

    /// The request's host name (lowercased, no port) and whether the Host header named a port.
    private func host(of request: SimulatedRequest) -> (name: String, explicitPort: Bool) {
        let raw = (request.host ?? "").lowercased()
        if raw.hasPrefix("[") {
            let name = raw.split(separator: "]").first.map { String($0.dropFirst()) } ?? raw
            return (name, raw.contains("]:"))
        }
        let parts = raw.split(separator: ":", maxSplits: 1)
        return (parts.first.map(String.init) ?? "", parts.count > 1)
    }

    /// `https://<host>[:port]`: the port only when the client named one (behind a host pin a client
    /// addresses port 443, and so must the URLs it is given).
    private func https(_ hostName: String, explicitPort: Bool) -> String {
        "https://\(hostName)\(explicitPort ? ":\(tlsPort)" : "")"
    }

    /// Answers Autodiscover paths and anything over plain HTTP; nil leaves the request to EWS.
    func route(_ request: SimulatedRequest, _ record: inout SimulatorRequestRecord,
               authenticate: () -> SiteAuthentication) -> SimulatedResponse? {
        let path = (request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.path).lowercased()
        if !request.tls { return plainHTTP(request, path: path, &record) }
        let isV2 = path.hasPrefix(Self.v2Prefix)
        guard path == Self.poxPath || path == Self.soapPath || isV2 else { return nil }
        record.operation = isV2 ? "autodiscover-v2" : (path == Self.soapPath ? "GetUserSettings" : "autodiscover-pox")
        let (hostName, explicitPort) = host(of: request)
        let isRoot = hostName == domain
        let isAutodiscoverHost = hostName == "autodiscover.\(domain)"
        let front = isRoot || isAutodiscoverHost

        switch layout {
        case .rootDomain where isAutodiscoverHost, .autodiscoverHost where isRoot,
             .httpRedirect where front, .srvOnly where front:
            return Self.notFound
        case .foreignDomainRedirect where front:
            let target = https("autodiscover.\(AutodiscoverLayout.foreignDomain)", explicitPort: explicitPort) + request.path
            return SimulatedResponse(status: 302, headers: Self.iis + [("Location", target), ("Content-Type", "text/html")],
                                     body: Array("<html><body>Object moved to <a href=\"\(target.xmlEscaped)\">here</a>.</body></html>".utf8))
        case .redirectToHTTP where front && isV2:
            return SimulatedResponse(status: 302, headers: Self.iis + [("Location", "http://mail.\(domain)\(request.path)")], body: [])
        default:
            break
        }

        let named = layout == .foreignEWSURL ? "mail.\(AutodiscoverLayout.foreignDomain)" : ewsHost
        let ewsURL = https(named, explicitPort: explicitPort) + "/EWS/Exchange.asmx"
        if isV2 { return v2(request, ewsURL: ewsURL) }
        let method = request.method.uppercased()
        guard ["POST", "GET", "HEAD"].contains(method) else {
            return SimulatedResponse(status: 405, headers: Self.iis + [("Allow", "GET, HEAD, POST")], body: [])
        }
        // IIS challenges before it looks at the method, as Exchange does for GET probes.
        switch authenticate() {
        case .refused(let challenge): return challenge
        case .user(let user): record.user = user.primarySmtpAddress
        }
        if method != "POST" {
            var answer = path == Self.soapPath ? Self.serviceHelpPage : Self.invalidRequest
            if method == "HEAD" { answer.body = [] }
            return answer
        }
        let redirectURL: String? = layout == .redirectToHTTP && front ? "http://mail.\(domain)\(path)" : nil
        if path == Self.soapPath {
            return soap.handle(body: request.body, ewsURL: ewsURL, redirectURL: redirectURL, step: addressStep)
        }
        return poxAnswer(request.body, ewsURL: ewsURL, redirectURL: redirectURL)
    }

    /// What Exchange's POX endpoint answers an authenticated GET: error 600, Invalid Request.
    static var invalidRequest: SimulatedResponse {
        let time = Date().formatted(Date.ISO8601FormatStyle().time(includingFractionalSeconds: true)).replacingOccurrences(of: "Z", with: "")
        return SimulatedResponse(status: 200, headers: Self.iis + [("Content-Type", "text/xml; charset=utf-8")], body: Array("""
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
              <Response>
                <Error Time="\(time)" Id="\(UInt32.random(in: 1_000_000_000...4_000_000_000))">
                  <ErrorCode>600</ErrorCode>
                  <Message>Invalid Request</Message>
                  <DebugData />
                </Error>
              </Response>
            </Autodiscover>
            """.utf8))
    }

    /// The WCF service page the SOAP endpoint shows to a browser.
    static var serviceHelpPage: SimulatedResponse {
        SimulatedResponse(status: 200, headers: Self.iis + [("Content-Type", "text/html; charset=UTF-8")], body: Array(
            "<HTML><HEAD><TITLE>Service</TITLE></HEAD><BODY><H1>AutodiscoverService Service</H1><P>You have created a service.</P></BODY></HTML>".utf8))
    }

    // MARK: POX

    private func poxAnswer(_ body: [UInt8], ewsURL: String, redirectURL: String?) -> SimulatedResponse {
        let asked = (try? XMLTree(parsing: body, maxBytes: 1024 * 1024))?.root?.path("Request", "EMailAddress")?.text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let redirectURL, asked != nil {
            return .xml(200, Self.poxAccount("<Action>redirectUrl</Action><RedirectUrl>\(redirectURL.xmlEscaped)</RedirectUrl>"))
        }
        if let asked {
            switch addressStep(asked) {
            case .redirect(let next):
                return .xml(200, Self.poxAccount("<Action>redirectAddr</Action><RedirectAddr>\(next.xmlEscaped)</RedirectAddr>"))
            case .settings(let primary):
                return AutodiscoverService(tenant: tenant, ewsURL: ewsURL, serverHost: ewsHost)
                    .handle(body: POXRequest.body(for: primary))
            case .asIs:
                break
            }
        }
        return AutodiscoverService(tenant: tenant, ewsURL: ewsURL, serverHost: ewsHost).handle(body: body)
    }

    private static func poxAccount(_ inner: String) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <Autodiscover xmlns="\(EWSNamespace.autodiscoverResponse)">\
        <Response xmlns="\(EWSNamespace.autodiscoverOutlookResponse)"><Account>\(inner)</Account></Response></Autodiscover>
        """
    }

    // MARK: redirectAddr layouts

    /// What the layout does with an address asked about.
    enum AddressStep: Equatable {
        /// Answer redirectAddr with this address.
        case redirect(String)
        /// Answer with the settings of this primary address.
        case settings(String)
        /// Answer as Exchange does for the address itself.
        case asIs
    }

    func addressStep(_ address: String) -> AddressStep {
        let lower = address.lowercased()
        guard let at = lower.lastIndex(of: "@") else { return .asIs }
        let local = String(lower[..<at])
        let addressDomain = String(lower[lower.index(after: at)...])
        let mail = "mail.\(domain)"
        func mailbox(_ name: String) -> SimulatedUser? {
            tenant.user(primarySmtp: "\(name)@\(domain)").flatMap { $0.hasMailbox ? $0 : nil }
        }
        switch layout {
        case .redirectAddrChain:
            if addressDomain == domain, mailbox(local) != nil { return .redirect("\(local)@\(mail)") }
            if addressDomain == mail, mailbox(local) != nil { return .redirect("\(local).mailbox@\(mail)") }
            if addressDomain == mail, local.hasSuffix(".mailbox"), let user = mailbox(String(local.dropLast(8))) {
                return .settings(user.primarySmtpAddress)
            }
            return .asIs
        case .redirectLoop:
            if addressDomain == domain, mailbox(local) != nil { return .redirect("\(local)@\(mail)") }
            if addressDomain == mail, mailbox(local) != nil { return .redirect("\(local)@\(domain)") }
            return .asIs
        default:
            return .asIs
        }
    }

    // MARK: v2

    private func v2(_ request: SimulatedRequest, ewsURL: String) -> SimulatedResponse {
        guard request.method.uppercased() == "GET" else {
            return SimulatedResponse(status: 405, headers: Self.iis + [("Allow", "GET")], body: [])
        }
        // /autodiscover/autodiscover.json/v1.0/<smtp>?Protocol=EWS, or ?Email=<smtp>&Protocol=EWS
        let parts = request.path.split(separator: "?", maxSplits: 1).map(String.init)
        var query: [String: String] = [:]
        for pair in (parts.count > 1 ? parts[1] : "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if kv.count == 2 { query[kv[0].lowercased()] = kv[1] }
        }
        let segments = parts[0].split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let address = segments.count >= 4 && segments[2].lowercased() == "v1.0" ? segments[3] : (query["email"] ?? "")
        let proto = query["protocol"] ?? ""
        func json(_ status: Int, _ object: [String: String]) -> SimulatedResponse {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            return SimulatedResponse(status: status, headers: Self.iis + [("Content-Type", "application/json; charset=utf-8")], body: [UInt8](data))
        }
        guard !proto.isEmpty else {
            return json(400, ["ErrorCode": "InvalidProtocol", "ErrorMessage": "The given protocol value '' is invalid. Supported values are 'Rest,ActiveSync,Ews,AutodiscoverV1'."])
        }
        var target = address
        if case .settings(let primary) = addressStep(address) { target = primary }
        guard tenant.user(anySmtp: target)?.hasMailbox == true else {
            return json(404, ["ErrorCode": "UserNotFound", "ErrorMessage": "The user \(address) was not found."])
        }
        switch proto.lowercased() {
        case "ews":
            var answer = ["Protocol": "EWS", "Url": ewsURL]
            if flavor == .exchangeOnline { answer["ServerLocation"] = "Exchange Online" }
            return json(200, answer)
        case "autodiscoverv1":
            return json(200, ["Protocol": "AutodiscoverV1", "Url": ewsURL.replacingOccurrences(of: "/EWS/Exchange.asmx", with: "/Autodiscover/Autodiscover.xml")])
        default:
            return json(400, ["ErrorCode": "InvalidProtocol", "ErrorMessage": "The given protocol value '\(proto)' is invalid. Supported values are 'Rest,ActiveSync,Ews,AutodiscoverV1'."])
        }
    }

    // MARK: plain HTTP

    /// The plain-HTTP listener: the redirect lookup of the http-redirect layout, nothing else. It
    /// never authenticates; a request that carries credentials anyway is logged (scheme only).
    private func plainHTTP(_ request: SimulatedRequest, path: String, _ record: inout SimulatorRequestRecord) -> SimulatedResponse {
        let (hostName, explicitPort) = host(of: request)
        let isAutodiscoverPath = path == Self.poxPath || path == Self.soapPath
        record.operation = isAutodiscoverPath ? "autodiscover-http" : nil
        if isAutodiscoverPath, request.method.uppercased() == "GET", layout == .httpRedirect, hostName == "autodiscover.\(domain)" {
            let target = https("mail.\(domain)", explicitPort: explicitPort) + path
            return SimulatedResponse(status: 302, headers: Self.iis + [("Location", target), ("Content-Type", "text/html")],
                                     body: Array("<html><body>Object moved to <a href=\"\(target.xmlEscaped)\">here</a>.</body></html>".utf8))
        }
        if isAutodiscoverPath || path.hasPrefix(Self.v2Prefix) { return Self.notFound }
        // IIS "403.4 SSL required" for everything else (EWS included).
        return SimulatedResponse(status: 403, headers: Self.iis + [("Content-Type", "text/html")],
                                 body: Array("<html><body>403 - Forbidden: SSL is required to view this resource.</body></html>".utf8))
    }

    static let iis: [(String, String)] = [("Server", "Microsoft-IIS/10.0"), ("X-Powered-By", "ASP.NET")]

    static var notFound: SimulatedResponse {
        SimulatedResponse(status: 404, headers: iis + [("Content-Type", "text/html")],
                          body: Array("<html><body>404 - File or directory not found.</body></html>".utf8))
    }
}

/// What the router's authentication made of a request.
enum SiteAuthentication {
    /// The caller, authenticated.
    case user(SimulatedUser)
    /// The answer to send instead (a 401 challenge, an NTLM leg).
    case refused(SimulatedResponse)
}

/// A POX request body, for answering with another address's settings.
enum POXRequest {
    static func body(for address: String) -> [UInt8] {
        Array(("<Autodiscover xmlns=\"\(EWSNamespace.autodiscoverRequest)\"><Request><EMailAddress>\(address.xmlEscaped)</EMailAddress>"
            + "<AcceptableResponseSchema>\(EWSNamespace.autodiscoverOutlookResponse)</AcceptableResponseSchema></Request></Autodiscover>").utf8)
    }
}
