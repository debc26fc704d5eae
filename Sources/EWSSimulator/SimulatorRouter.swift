import EWSProtocol
import EWSTransport
import Foundation

/// Per-connection state: NTLM authenticates the TCP connection, as IIS does, so later requests
/// on it need no Authorization header.
struct ConnectionState {
    var ntlm: NTLMServerContext?
    var ntlmUser: SimulatedUser?
    /// A Negotiate (Kerberos) handshake that needs another leg.
    var negotiate: GSSAcceptor.Handshake?
    /// The mutual-authentication token the response to this request must carry.
    var negotiateAnswer: [UInt8]?
    /// The mechanism of the Negotiate authentication that completed on this request.
    var negotiateMechanism: GSSMechanism?
    /// The throttling policy's ticket of the request being answered: released once its answer is written.
    var throttleTicket: ThrottlingGovernor.Ticket?
}

/// One request as the router sees it.
struct SimulatedRequest {
    var method: String
    var path: String
    var host: String?
    var headers: [(String, String)]
    var body: [UInt8]
    var tls: Bool

    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// Authenticates and routes requests to the EWS and Autodiscover services; logs each one.
final class SimulatorRouter: Sendable {
    let tenant: SimulatedTenant
    let flavor: SimulatorFlavor
    let ews: EWSService
    let autodiscover: AutodiscoverService
    let names: NTLMServerContext.ServerNames
    let realm: String
    let schemaDirectory: String?
    let log: RequestLog
    /// The Entra tenant (exchange-online flavor): Bearer tokens and the token endpoint.
    let entra: EntraTenant?
    /// HTTP Digest, when the configuration offers it.
    let digest: DigestAuthenticator?
    /// Kerberos behind Negotiate, when the configuration has a keytab.
    let kerberos: KerberosAuthenticator?
    /// Throttling answers, when the configuration asks for them (SimulatedThrottling.swift).
    let throttle: SimulatedThrottling.Gate?
    /// Exchange's throttling policy, when in force (SimulatedThrottlingPolicy.swift).
    let governor: ThrottlingGovernor?
    /// Headers the front end requires on every EWS POST (a hoster's gateway).
    let requiredHeaders: [String]
    /// The quirks of the WSDL and schema files (`no-served-schemas`, `wsdl-foreign-address`).
    let quirks: Set<SimulatorQuirk>
    /// The service address `wsdl-foreign-address` writes into the WSDL.
    let wsdlForeignAddress: String

    init(tenant: SimulatedTenant, flavor: SimulatorFlavor, ews: EWSService, autodiscover: AutodiscoverService,
         realm: String, schemaDirectory: String?, log: RequestLog, entra: EntraTenant? = nil, digest: DigestAuthenticator? = nil,
         kerberos: KerberosAuthenticator? = nil, throttling: SimulatedThrottling? = nil,
         throttlingPolicy: SimulatedThrottlingPolicy? = nil, requiredHeaders: [String] = [],
         quirks: Set<SimulatorQuirk> = [], wsdlForeignAddress: String = "") {
        governor = throttlingPolicy.map(ThrottlingGovernor.init)
        self.quirks = quirks
        self.wsdlForeignAddress = wsdlForeignAddress
        self.kerberos = kerberos
        self.requiredHeaders = requiredHeaders
        throttle = throttling.map(SimulatedThrottling.Gate.init)
        self.entra = entra
        self.digest = digest
        self.tenant = tenant
        self.flavor = flavor
        self.ews = ews
        self.autodiscover = autodiscover
        self.realm = realm
        self.schemaDirectory = schemaDirectory
        self.log = log
        names = .init(netbiosDomain: tenant.netbiosDomain, dnsDomain: tenant.domain,
                      netbiosComputer: "EXCH01", dnsComputer: "exch01.\(tenant.domain)")
    }

    private var standardHeaders: [(String, String)] {
        [("Server", "Microsoft-IIS/10.0"), ("request-id", UUID().uuidString.lowercased()),
         ("X-FEServer", "EXCH01"), ("X-Powered-By", "ASP.NET")]
    }

    private func challenge(_ extra: [String] = []) -> SimulatedResponse {
        var headers = standardHeaders
        let offers = extra.isEmpty ? flavor.authenticateChallenges + (digest?.challenges() ?? [])
            + (flavor.acceptsBasic ? ["Basic realm=\"\(realm)\""] : [])
            + (entra == nil ? [] : [BearerAuthenticator.challenge]) : extra
        for offer in offers { headers.append(("WWW-Authenticate", offer)) }
        return SimulatedResponse(status: 401, headers: headers, body: [])
    }

    private enum AuthResult {
        case user(SimulatedUser)
        case oauth(BearerAuthenticator.Caller)
        case respond(SimulatedResponse)
    }

    private func authenticate(_ request: SimulatedRequest, _ connection: inout ConnectionState) -> AuthResult {
        guard let authorization = request.header("Authorization") else {
            if let user = connection.ntlmUser { return .user(user) }
            return .respond(challenge())
        }
        let parts = authorization.split(separator: " ", maxSplits: 1).map(String.init)
        let scheme = parts.first?.lowercased() ?? ""
        let token = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch scheme {
        case "bearer":
            guard let entra else { return .respond(challenge()) }
            switch BearerAuthenticator(entra: entra, tenant: tenant).authenticate(token) {
            case .success(let caller): return .oauth(caller)
            case .failure(let refusal):
                return .respond(SimulatedResponse(status: refusal.status, headers: standardHeaders + refusal.headers, body: []))
            }
        case "digest":
            guard let digest else { return .respond(challenge()) }
            let tenant = self.tenant
            switch digest.verify(token, method: request.method, requestURI: request.path, password: { name in
                let parts = name.split(separator: "\\", maxSplits: 1).map(String.init)
                return parts.count == 2 ? tenant.account(signInName: parts[1], domain: parts[0])?.password
                    : tenant.account(signInName: name, domain: nil)?.password
            }) {
            case .authenticated(let name):
                let parts = name.split(separator: "\\", maxSplits: 1).map(String.init)
                let user = parts.count == 2 ? tenant.account(signInName: parts[1], domain: parts[0]) : tenant.account(signInName: name, domain: nil)
                guard let user else { return .respond(challenge()) }
                return .user(user)
            case .stale:
                return .respond(challenge(flavor.authenticateChallenges + digest.challenges(stale: true)))
            case .refused:
                return .respond(challenge())
            }
        case "basic":
            guard flavor.acceptsBasic else { return .respond(challenge()) }
            guard let data = Data(base64Encoded: token), let pair = String(data: data, encoding: .utf8),
                  let colon = pair.firstIndex(of: ":") else { return .respond(challenge()) }
            let name = String(pair[..<colon])
            let password = String(pair[pair.index(after: colon)...])
            guard let user = tenant.authenticate(signInName: name, password: password) else { return .respond(challenge()) }
            return .user(user)
        case "negotiate" where kerberos != nil && flavor.acceptsNTLM && !(Data(base64Encoded: token) ?? Data()).starts(with: Array("NTLMSSP\0".utf8)):
            return negotiateKerberos(token, &connection)
        case "ntlm", "negotiate":
            guard flavor.acceptsNTLM else { return .respond(challenge()) }
            guard let bytes = Data(base64Encoded: token).map([UInt8].init), bytes.starts(with: Array("NTLMSSP\0".utf8)) else {
                return .respond(challenge())
            }
            if bytes.count > 8, bytes[8] == 1 || connection.ntlm == nil {
                connection.ntlm = NTLMServerContext(names: names)
                connection.ntlmUser = nil
            }
            let tenant = self.tenant
            let step = connection.ntlm?.step(token: bytes) { user, domain in
                tenant.account(signInName: user, domain: domain.isEmpty ? nil : domain)?.password
            }
            switch step {
            case .challenge(let message)?:
                return .respond(challenge(["\(parts[0]) \(Data(message).base64EncodedString())"]))
            case .authenticated(let identity)?:
                connection.ntlm = nil
                guard let user = tenant.account(signInName: identity.user, domain: identity.domain.isEmpty ? nil : identity.domain) else {
                    return .respond(challenge())
                }
                connection.ntlmUser = user
                return .user(user)
            case .rejected?, nil:
                connection.ntlm = nil
                connection.ntlmUser = nil
                return .respond(challenge())
            }
        default:
            return .respond(challenge())
        }
    }

    /// SPNEGO through MIT's acceptor: one leg for Kerberos, answered with the mutual-authentication
    /// token on the 200; the principal maps to the tenant's account; the connection stays
    /// authenticated afterwards, like IIS with `authPersistNonNTLM` (its default).
    private func negotiateKerberos(_ token: String, _ connection: inout ConnectionState) -> AuthResult {
        guard let kerberos, let bytes = Data(base64Encoded: token).map([UInt8].init), !bytes.isEmpty else {
            return .respond(challenge())
        }
        let handshake = connection.negotiate ?? GSSAcceptor.Handshake(kerberos.acceptor)
        connection.negotiate = nil
        connection.ntlmUser = nil
        switch handshake.step(bytes) {
        case .continueNeeded(let answer):
            connection.negotiate = handshake
            return .respond(challenge(["Negotiate \(Data(answer).base64EncodedString())"]))
        case .complete(let principal, let mechanism, let answer):
            guard let user = kerberos.account(for: principal, in: tenant) else { return .respond(challenge()) }
            connection.ntlmUser = user
            connection.negotiateAnswer = answer.isEmpty ? nil : answer
            connection.negotiateMechanism = mechanism
            return .user(user)
        case .failed:
            // IIS answers a bad ticket (wrong key, clock skew, replay) with a fresh 401 challenge.
            return .respond(challenge())
        }
    }

    func handle(_ request: SimulatedRequest, _ connection: inout ConnectionState) -> SimulatedResponse {
        var record = SimulatorRequestRecord(
            time: Date(), tls: request.tls, host: request.host, method: request.method, path: request.path,
            authScheme: request.header("Authorization").flatMap { $0.split(separator: " ").first.map(String.init) },
            authMechanism: nil, user: nil, status: 0, operation: nil, impersonated: nil, anchorMailbox: request.header("X-AnchorMailbox"),
            responseCodes: [])
        var response = route(request, &connection, &record)
        if let answer = connection.negotiateAnswer {
            response.headers.append(("WWW-Authenticate", "Negotiate \(Data(answer).base64EncodedString())"))
            connection.negotiateAnswer = nil
        }
        record.authMechanism = connection.negotiateMechanism?.description
        connection.negotiateMechanism = nil
        record.status = response.status
        log.append(record)
        return response
    }

    private func route(_ request: SimulatedRequest, _ connection: inout ConnectionState,
                       _ record: inout SimulatorRequestRecord) -> SimulatedResponse {
        let path = (request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.path).lowercased()
        let method = request.method.uppercased()
        if let entra, let response = tokenEndpoint(entra, request, &record) { return response }
        if let site = autodiscover.site, let response = site.route(request, &record, authenticate: {
            switch authenticate(request, &connection) {
            case .user(let user): return .user(user)
            case .oauth(let caller): return .user(caller.account)
            case .respond(let response): return .refused(response)
            }
        }) { return response }
        let known = ["/ews/exchange.asmx", "/ews/services.wsdl", "/ews/messages.xsd", "/ews/types.xsd",
                     "/autodiscover/autodiscover.xml"]
        guard known.contains(path) else {
            return SimulatedResponse(status: 404, headers: standardHeaders + [("Content-Type", "text/html")],
                                     body: Array("<html><body>404 - File or directory not found.</body></html>".utf8))
        }
        let user: SimulatedUser
        var authorization = CallerAuthorization.windows
        switch authenticate(request, &connection) {
        case .respond(let response): return response
        case .user(let u): user = u
        case .oauth(let caller):
            user = caller.account
            authorization = caller.authorization
        }
        record.user = user.primarySmtpAddress
        var response: SimulatedResponse
        switch (path, method) {
        case ("/ews/exchange.asmx", "POST"):
            if let busy = throttle?.answer(for: request.body) {
                record.responseCodes = busy.status == 500 ? ["ErrorServerBusy"] : []
                record.throttle = "every-n"
                switch throttle?.settings.answer {
                case .serverBusy(let ms)?: record.askedWaitMilliseconds = ms
                case .retryAfter(let seconds)?: record.askedWaitMilliseconds = seconds * 1000
                case nil: break
                }
                response = busy
                break
            }
            if let governor, !ThrottlingGovernor.isExempt(request.body) {
                let budget = governor.budget(caller: user.primarySmtpAddress, body: request.body)
                record.budget = budget
                switch governor.admit(budget: budget) {
                case .refused(let answer, let part, _, let inFlight, let wait):
                    record.throttle = part
                    record.inFlight = inFlight
                    record.askedWaitMilliseconds = wait
                    record.responseCodes = part == "EWSMaxConcurrency" ? ["ErrorExceededConnectionCount"] : part == "CPU budget" ? ["ErrorServerBusy"] : []
                    response = answer
                    response.headers = standardHeaders + response.headers
                    return response
                case .admitted(let ticket):
                    record.inFlight = ticket.inFlight
                    connection.throttleTicket = ticket
                }
            }
            if let missing = requiredHeaders.first(where: { request.header($0) == nil }) {
                response = SimulatedResponse(status: 400, headers: standardHeaders + [("Content-Type", "text/plain; charset=utf-8")],
                                             body: Array("Bad Request: the \(missing) header is required.\r\n".utf8))
                break
            }
            let outcome = ews.handle(body: request.body, caller: user, authorization: authorization,
                                     anchorMailbox: request.header("X-AnchorMailbox"))
            record.operation = outcome.operation
            record.impersonated = outcome.impersonated
            record.responseCodes = outcome.responseCodes
            if outcome.responseCodes.contains("ErrorExceededSubscriptionCount") { record.throttle = "EWSMaxSubscriptions" }
            response = outcome.response
        case ("/ews/exchange.asmx", "GET") where Self.asksForWSDL(request.path), ("/ews/services.wsdl", "GET"),
             ("/ews/exchange.asmx", "HEAD") where Self.asksForWSDL(request.path), ("/ews/services.wsdl", "HEAD"):
            response = wsdl(request)
        case ("/ews/exchange.asmx", "GET"), ("/ews/exchange.asmx", "HEAD"):
            response = SimulatedResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")],
                                         body: Array("<html><head><title>Service</title></head><body><p>You have created a service.</p></body></html>".utf8))
        case ("/autodiscover/autodiscover.xml", "POST"):
            response = autodiscover.handle(body: request.body)
        case (_, "GET") where path.hasSuffix(".xsd"), (_, "HEAD") where path.hasSuffix(".xsd"):
            let file = String(path.split(separator: "/").last ?? "")
            if !quirks.contains(.noServedSchemas), let dir = schemaDirectory, let data = FileManager.default.contents(atPath: dir + "/" + file) {
                response = SimulatedResponse(status: 200, headers: [("Content-Type", "text/xml")], body: [UInt8](data))
            } else {
                response = SimulatedResponse(status: 404, headers: [], body: [])
            }
        default:
            response = SimulatedResponse(status: 405, headers: [("Allow", "GET, HEAD, POST")], body: [])
        }
        if method == "HEAD" { response.body = [] }
        response.headers = standardHeaders + response.headers
        return response
    }

    /// Ends a request the throttling policy admitted: its answer is written.
    func release(_ ticket: ThrottlingGovernor.Ticket) { governor?.release(ticket) }

    private static func asksForWSDL(_ path: String) -> Bool {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return false }
        return query.lowercased().split(separator: "&").contains { $0 == "wsdl" || $0.hasPrefix("wsdl=") }
    }

    /// Services.wsdl (also `Exchange.asmx?wsdl`) with the service address filled in, as Exchange
    /// serves it: the URL the client used to reach this server.
    private func wsdl(_ request: SimulatedRequest) -> SimulatedResponse {
        guard !quirks.contains(.noServedSchemas), let dir = schemaDirectory,
              let data = FileManager.default.contents(atPath: dir + "/services.wsdl") else {
            return SimulatedResponse(status: 404, headers: [("Content-Type", "text/html")],
                                     body: Array("<html><body>404 - File or directory not found.</body></html>".utf8))
        }
        let host = request.host ?? "mail.\(tenant.domain)"
        let address = (quirks.contains(.wsdlForeignAddress) ? wsdlForeignAddress : "https://\(host)/EWS/Exchange.asmx").xmlEscaped
        let text = String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: "<soap:address location=\"\" />", with: "<soap:address location=\"\(address)\" />")
            .replacingOccurrences(of: "<soap:address location=\"\"/>", with: "<soap:address location=\"\(address)\"/>")
        return SimulatedResponse(status: 200, headers: [("Content-Type", "text/xml")], body: Array(text.utf8))
    }

    /// The token endpoint answers on login.microsoftonline.com (and on loopback addresses, which
    /// serve every host); that host serves nothing else.
    private func tokenEndpoint(_ entra: EntraTenant, _ request: SimulatedRequest,
                               _ record: inout SimulatorRequestRecord) -> SimulatedResponse? {
        let host = (request.host ?? "").split(separator: ":").first.map { $0.lowercased() } ?? ""
        let isLogin = host == ExchangeOnlineHosts.login
        let isLoopback = host == "127.0.0.1" || host == "localhost" || host.isEmpty
        guard isLogin || isLoopback else { return nil }
        guard let tenantName = TokenEndpoint.tenantSegment(of: request.path) else {
            return isLogin ? SimulatedResponse(status: 404, headers: [("Content-Type", "text/html")], body: Array("<html><body>Not found</body></html>".utf8)) : nil
        }
        record.operation = "oauth2/v2.0/token"
        return TokenEndpoint(entra: entra).handle(method: request.method, tenantName: tenantName, headers: request.headers, body: request.body)
    }
}


