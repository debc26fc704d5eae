import EWSTransport
import Foundation

/// How a chain of hops ended.
enum ChainEnding: Sendable {
    case found(ewsURL: String, settings: [String: String], address: String)
    case notOffered(String)
    case failed(String)
}

/// The hops of one probe so far, and what its loop and hop limits have seen.
struct Chain {
    let method: DiscoveryMethod
    var hops: [DiscoveryHop] = []
    var flags: [String] = []
    /// `address|url` pairs already asked: the same URL for another address is no loop.
    var visited: Set<String> = []
    /// Addresses already asked (lowercased).
    var addresses: [String] = []
    var redirects = 0

    mutating func flag(_ f: String) { if !flags.contains(f) { flags.append(f) } }

    mutating func add(_ hop: DiscoveryHop) {
        var hop = hop
        hop.step = hops.count + 1
        for f in hop.flags { flag(f) }
        hops.append(hop)
    }
}

/// One discovery run: the probes, in order, sharing evidence and TLS facts.
struct EngineRun: Sendable {
    let engine: AutodiscoverEngine
    let domain: String
    let evidence = EvidenceLog()

    var configuration: DiscoveryConfiguration { engine.configuration }

    func probe(method: DiscoveryMethod, candidate: DiscoveryCandidate, address: String) async -> DiscoveryProbe {
        var chain = Chain(method: method)
        chain.addresses = [address.lowercased()]
        let id = AutodiscoverEngine.probeID(method, candidate)
        let start: String
        let ending: ChainEnding
        switch method {
        case .pox, .soap, .v2:
            let host = AutodiscoverEngine.host(candidate, domain: domain)
            start = AutodiscoverEngine.url(method, host: host, address: address, v2Protocol: configuration.v2Protocol)
            ending = await follow(method, url: start, address: address, &chain, transport: engine.transport)
        case .httpRedirect:
            start = "http://autodiscover.\(domain)\(POXAutodiscover.path)"
            ending = await httpRedirect(url: start, address: address, &chain)
        case .dnsSRV:
            start = "_autodiscover._tcp.\(domain)"
            ending = await srv(name: start, address: address, &chain)
        }
        var probe = DiscoveryProbe(id: id, method: method, candidate: candidate, start: start, hops: chain.hops,
                                   conclusion: .failed, reason: "", flags: chain.flags)
        switch ending {
        case .found(let url, let settings, let finalAddress):
            probe.conclusion = .found
            probe.ewsURL = url
            probe.settings = settings
            probe.finalAddress = finalAddress
            probe.reason = "EWS URL \(url)" + (finalAddress.lowercased() == address.lowercased() ? "" : " for \(finalAddress)")
            if URLParts(url)?.isHTTPS != true {
                probe.conclusion = .failed
                probe.reason = "the EWS URL it names, \(url), is not https"
                probe.flags.append("ews-url-not-https")
            }
        case .notOffered(let why):
            probe.conclusion = .notOffered
            probe.reason = why
        case .failed(let why):
            probe.conclusion = .failed
            probe.reason = why
        }
        return probe
    }

    // MARK: POX, SOAP and v2 requests, with their redirects

    /// Asks `url` for `address` and follows what comes back.
    func follow(_ method: DiscoveryMethod, url start: String, address: String, _ chain: inout Chain,
                transport: HTTPTransport) async -> ChainEnding {
        var url = start
        var firstRequest = true
        while true {
            chain.visited.insert(Self.visitKey(address, url))
            let authenticated = method != .v2
            let request: HTTPRequest
            switch method {
            case .soap:
                request = HTTPRequest(method: "POST", url: url, headers: [
                    HTTPHeader("Content-Type", "text/xml; charset=utf-8"), HTTPHeader("SOAPAction", SOAPAutodiscover.action),
                ], body: SOAPAutodiscover.requestBody(for: address, url: url))
            case .v2:
                request = HTTPRequest(method: "GET", url: url, headers: [HTTPHeader("Accept", "application/json")])
            case .pox, .httpRedirect, .dnsSRV:
                request = HTTPRequest(method: "POST", url: url, headers: [HTTPHeader("Content-Type", "text/xml; charset=utf-8")],
                                      body: POXAutodiscover.requestBody(for: address))
            }
            let (result, millis) = await send(request, authenticated: authenticated, transport: transport)
            var hop = DiscoveryHop(step: 0, kind: .request, method: method, verb: request.method, url: url, address: address,
                                   authenticated: authenticated, status: result.response?.status, durationMilliseconds: millis,
                                   outcome: .notServed, detail: "", exchangeID: result.exchange?.id,
                                   tls: await tlsFacts(url, transport: transport))
            if let host = URLParts(url)?.host, !DomainRules.host(host, isWithin: domain) { hop.flags.append("cross-domain") }
            defer { firstRequest = false }
            let response: HTTPResponse
            do { response = try result.get() } catch { return Self.ended(hop, by: error, &chain) }
            if [301, 302, 303, 307, 308].contains(response.status) {
                guard let target = Self.redirectTarget(of: response, from: url, &hop, &chain) else {
                    return .failed("HTTP \(response.status) from \(url) without a usable Location header")
                }
                chain.add(hop)
                if let refusal = admit(target, address: address, &chain, why: "HTTP \(response.status)") { return .failed(refusal) }
                url = target
                continue
            }
            guard response.status == 200 else {
                hop.outcome = response.status == 401 ? .unauthorized : .notServed
                hop.detail = response.status == 401
                    ? "credentials refused" + (response.headers.all("WWW-Authenticate").isEmpty ? "" : " (offers \(response.headers.all("WWW-Authenticate").map { $0.split(separator: " ").first.map(String.init) ?? $0 }.joined(separator: ", ")))")
                    : "HTTP \(response.status)"
                chain.add(hop)
                return .notOffered(response.status == 401 ? "HTTP 401 from \(url): the credentials were refused" : "HTTP \(response.status) from \(url)")
            }
            let answer: AutodiscoverAnswer
            switch method {
            case .soap: answer = SOAPAutodiscover.read(response.body)
            case .v2: answer = AutodiscoverV2.read(response.body, protocol: configuration.v2Protocol)
            case .pox, .httpRedirect, .dnsSRV: answer = POXAutodiscover.read(response.body)
            }
            switch answer {
            case .settings(let ews, let settings, let smtp):
                hop.outcome = .settings
                hop.detail = "EWS URL \(ews)"
                // Credentials go only where the user sent them: an EWS URL on a foreign host is flagged,
                // and not used unless cross-domain answers are allowed.
                if let host = URLParts(ews)?.host, !DomainRules.host(host, isWithin: domain),
                   !configuration.credentialHosts.contains(where: { $0.caseInsensitiveCompare(host) == .orderedSame }) {
                    hop.flags.append("cross-domain-ews-url")
                    chain.flag("cross-domain-ews-url")
                    if !configuration.allowCrossDomainRedirect {
                        hop.flags.append("cross-domain-refused")
                        hop.detail += " on another domain (\(host)): not used"
                        chain.add(hop)
                        return .failed("\(url) named the EWS URL \(ews), on \(host) outside \(domain); not used, so no credentials "
                                       + "are sent there (allow cross-domain answers in the target or profile if this host is yours)")
                    }
                }
                chain.add(hop)
                return .found(ewsURL: ews, settings: settings, address: smtp ?? address)
            case .redirectURL(let target):
                hop.outcome = .redirectURL
                hop.detail = "redirectUrl \(target)"
                chain.add(hop)
                if let refusal = admit(target, address: address, &chain, why: "redirectUrl") { return .failed(refusal) }
                url = target
            case .redirectAddress(let next):
                hop.outcome = .redirectAddress
                hop.detail = "redirectAddr \(next)"
                chain.add(hop)
                return await restart(method, from: address, to: next, &chain, transport: transport)
            case .error(let code, let message):
                hop.outcome = .autodiscoverError
                hop.detail = "error \(code)\(message.isEmpty ? "" : ": \(message)")"
                chain.add(hop)
                return .failed("\(url) answered Autodiscover error \(code)\(message.isEmpty ? "" : " (\(message))") for \(address)")
            case .malformed(let why):
                hop.outcome = .malformed
                hop.detail = why
                chain.add(hop)
                // A web site answering 200 to any path is common on a bare domain: clients move on.
                if firstRequest && chain.redirects == 0 { return .notOffered("\(url) answers HTTP 200, but not with Autodiscover: \(why)") }
                return .failed("\(url) answered, but not with Autodiscover: \(why)")
            }
        }
    }

    /// redirectAddr: start the method over for the new address (its starting points, in order).
    func restart(_ method: DiscoveryMethod, from address: String, to next: String, _ chain: inout Chain,
                 transport: HTTPTransport) async -> ChainEnding {
        let refused = DiscoveryHop(step: 0, kind: .request, method: method, verb: "-", url: next, address: next, authenticated: false,
                                   status: nil, durationMilliseconds: 0, outcome: .refused, detail: "")
        guard let newDomain = DomainRules.domain(of: next) else {
            var hop = refused
            hop.detail = "'\(next)' is not an e-mail address"
            chain.add(hop)
            return .failed("redirectAddr to '\(next)', which is not an e-mail address")
        }
        if chain.addresses.contains(next.lowercased()) {
            var hop = refused
            hop.detail = "redirect loop: \(next) was asked about before"
            hop.flags = ["redirect-loop"]
            chain.add(hop)
            return .failed("redirect loop: redirectAddr back to \(next), which was already asked about (addresses: \(chain.addresses.joined(separator: " → ")) → \(next.lowercased()))")
        }
        guard chain.redirects < configuration.maxRedirects else {
            var hop = refused
            hop.detail = "more than \(configuration.maxRedirects) redirects"
            hop.flags = ["too-many-redirects"]
            chain.add(hop)
            return .failed("gave up after \(configuration.maxRedirects) redirects (clients stop at 10)")
        }
        if !DomainRules.host(newDomain, isWithin: domain) {
            chain.flag("cross-domain")
            if !configuration.allowCrossDomainRedirect {
                var hop = refused
                hop.detail = "redirectAddr into another domain (\(newDomain)) not followed: cross-domain redirects are not allowed"
                hop.flags = ["cross-domain", "cross-domain-refused"]
                chain.add(hop)
                return .failed("redirectAddr to \(next), in another domain (\(newDomain)); not followed because the profile does not allow cross-domain redirects")
            }
        }
        chain.redirects += 1
        chain.addresses.append(next.lowercased())
        var last: ChainEnding = .notOffered("no starting point answers for \(next)")
        for candidate in AutodiscoverEngine.candidates(of: method) where candidate != .httpRedirect && candidate != .srvTarget {
            let host = AutodiscoverEngine.host(candidate, domain: newDomain)
            let url = AutodiscoverEngine.url(method, host: host, address: next, v2Protocol: configuration.v2Protocol)
            last = await follow(method, url: url, address: next, &chain, transport: transport)
            if case .notOffered = last { continue }
            return last
        }
        if case .notOffered(let why) = last { return .notOffered("after redirectAddr to \(next): \(why)") }
        return last
    }

    /// Checks a redirect target against the rules; returns why it is refused, or nil (and counts it).
    func admit(_ target: String, address: String, _ chain: inout Chain, why: String) -> String? {
        var hop = DiscoveryHop(step: 0, kind: .request, method: chain.method, verb: "-", url: target, address: address,
                               authenticated: false, status: nil, durationMilliseconds: 0, outcome: .refused, detail: "")
        func refuse(_ detail: String, _ flags: [String], _ reason: String) -> String {
            hop.detail = detail
            hop.flags = flags
            chain.add(hop)
            return reason
        }
        guard let parts = URLParts(target) else {
            return refuse("not an absolute http(s) URL", ["bad-redirect"], "\(why) to '\(target)', which is not an absolute https URL")
        }
        guard parts.isHTTPS else {
            return refuse("redirect to plain http refused: nothing is sent to a non-https Autodiscover URL", ["non-https-refused"],
                          "\(why) to \(target), a plain-http URL: refused (Autodiscover requests and credentials only go to https)")
        }
        if chain.visited.contains(Self.visitKey(address, target)) {
            return refuse("redirect loop: already asked \(target) about \(address)", ["redirect-loop"],
                          "redirect loop: \(why) back to \(target), which was already asked about \(address)")
        }
        guard chain.redirects < configuration.maxRedirects else {
            return refuse("more than \(configuration.maxRedirects) redirects", ["too-many-redirects"],
                          "gave up after \(configuration.maxRedirects) redirects (clients stop at 10)")
        }
        if !DomainRules.host(parts.host, isWithin: domain) {
            chain.flag("cross-domain")
            if !configuration.allowCrossDomainRedirect {
                return refuse("redirect into another domain (\(parts.host)) not followed: cross-domain redirects are not allowed",
                              ["cross-domain", "cross-domain-refused"],
                              "\(why) to \(target), outside \(domain); not followed because the profile does not allow cross-domain redirects")
            }
        }
        chain.redirects += 1
        return nil
    }

    // MARK: the http redirect method

    func httpRedirect(url: String, address: String, _ chain: inout Chain) async -> ChainEnding {
        // Never credentials over http: the transport refuses them too, this never offers them.
        let request = HTTPRequest(method: "GET", url: url)
        let (result, millis) = await send(request, authenticated: false, transport: engine.transport)
        var hop = DiscoveryHop(step: 0, kind: .request, method: .httpRedirect, verb: "GET", url: url, address: address,
                               authenticated: false, status: result.response?.status, durationMilliseconds: millis, outcome: .notServed,
                               detail: "", exchangeID: result.exchange?.id)
        let response: HTTPResponse
        do { response = try result.get() } catch { return Self.ended(hop, by: error, &chain) }
        guard [301, 302].contains(response.status) else {
            hop.detail = "HTTP \(response.status), no redirect"
            chain.add(hop)
            if [303, 307, 308].contains(response.status) {
                return .failed("\(url) answered HTTP \(response.status); clients follow only 301 and 302 here")
            }
            return .notOffered("\(url) answers HTTP \(response.status), not a 301/302 redirect")
        }
        guard let target = Self.redirectTarget(of: response, from: url, &hop, &chain) else {
            return .failed("HTTP \(response.status) from \(url) without a usable Location header")
        }
        // EWSMA accepts only /autodiscover/(…/)autodiscover.xml here.
        if let parts = URLParts(target), parts.pathAndQuery.lowercased().range(of: "^/autodiscover/([^/]+/)*autodiscover\\.xml$", options: .regularExpression) == nil {
            hop.flags.append("unusual-redirect-path")
        }
        chain.add(hop)
        if let refusal = admit(target, address: address, &chain, why: "HTTP \(response.status)") { return .failed(refusal) }
        return await follow(.pox, url: target, address: address, &chain, transport: engine.transport)
    }

    // MARK: DNS SRV

    func srv(name: String, address: String, _ chain: inout Chain) async -> ChainEnding {
        guard let server = configuration.dnsServer ?? DNSServerAddress.system() else {
            return .notOffered("no DNS server: none given and none in /etc/resolv.conf")
        }
        let resolver = DNSResolver(server: server, timeout: configuration.dnsTimeout)
        let clock = ContinuousClock.now
        var hop = DiscoveryHop(step: 0, kind: .dns, method: .dnsSRV, verb: "SRV", url: name, address: address, authenticated: false,
                               status: nil, durationMilliseconds: 0, outcome: .noRecords, detail: "")
        let answer: DNSResolver.Answer
        do {
            answer = try await resolver.srv(name)
        } catch {
            hop.durationMilliseconds = Self.millis(since: clock)
            hop.outcome = .unreachable
            hop.detail = "\(error) (server \(server))"
            chain.add(hop)
            return .notOffered("the SRV query for \(name) got no answer: \(error)")
        }
        hop.durationMilliseconds = Self.millis(since: clock)
        var generator = SystemRandomNumberGenerator()
        let ordered = SRVRecord.selectionOrder(answer.srv, using: &generator)
        hop.detail = "\(answer.responseCodeName) from \(server)" + (answer.srv.isEmpty ? ", no SRV records" : ": " + answer.srv.map(\.description).joined(separator: "; "))
            + (answer.truncated ? " (truncated)" : "")
        if answer.truncated { hop.flags.append("dns-truncated") }
        guard !ordered.isEmpty else {
            chain.add(hop)
            if answer.srv.count == 1 { return .notOffered("the SRV record for \(name) says the service is not available (target \".\")") }
            return .notOffered("no SRV record for \(name) (\(answer.responseCodeName) from \(server))")
        }
        hop.outcome = .records
        hop.detail += "; RFC 2782 order: " + ordered.map { "\($0.target):\($0.port)" }.joined(separator: ", ")
        chain.add(hop)
        var last: ChainEnding = .notOffered("no SRV target answers")
        for record in ordered {
            let target = record.target.hasSuffix(".") ? String(record.target.dropLast()) : record.target
            if record.port != 443 { chain.flag("srv-port-not-443") }
            let authority = record.port == 443 ? target : "\(target):\(record.port)"
            let url = "https://\(authority)\(POXAutodiscover.path)"
            if let refusal = admit(url, address: address, &chain, why: "SRV record") {
                last = .failed(refusal)
                continue
            }
            // With a DNS server given, the target's address comes from it too (unless pinned).
            var transport = engine.transport
            let pinned = engine.transport.configuration.hostPins.contains { $0.host.lowercased() == target.lowercased() && $0.port == record.port }
            if configuration.dnsServer != nil, !pinned {
                let aClock = ContinuousClock.now
                var aHop = DiscoveryHop(step: 0, kind: .dns, method: .dnsSRV, verb: "A", url: target, address: address, authenticated: false,
                                        status: nil, durationMilliseconds: 0, outcome: .noRecords, detail: "")
                do {
                    let a = try await resolver.addresses(target)
                    if let first = a.addresses.first {
                        aHop.outcome = .records
                        aHop.detail = a.addresses.joined(separator: ", ")
                        var settings = engine.transport.configuration
                        settings.hostPins.append(HostPin(host: target, port: record.port, address: first))
                        settings.connections = 1
                        transport = HTTPTransport(configuration: settings, exchangeIDs: engine.transport.exchangeIDs)
                    } else {
                        aHop.detail = "no A record from \(server) (\(a.responseCodeName)); the system resolver is used"
                    }
                } catch {
                    // A failed query is not an empty answer: say which it was.
                    aHop.outcome = .unreachable
                    aHop.detail = "the A query to \(server) failed: \(error); the system resolver is used"
                }
                aHop.durationMilliseconds = Self.millis(since: aClock)
                chain.add(aHop)
            }
            last = await follow(.pox, url: url, address: address, &chain, transport: transport)
            if transport !== engine.transport { transport.shutdown() }
            if case .notOffered = last { continue }
            return last
        }
        return last
    }

    // MARK: helpers

    /// Sends `request` and records its evidence: the answer or the transport's failure, and how long it took.
    func send(_ request: HTTPRequest, authenticated: Bool, transport: HTTPTransport) async
        -> (result: Result<HTTPResponse, TransportError>, milliseconds: Double) {
        let clock = ContinuousClock.now
        do {
            let response = try await transport.send(request, sendCredentials: authenticated)
            await evidence.add(response.exchange)
            return (.success(response), Self.millis(since: clock))
        } catch let error as TransportError {
            await evidence.add(error.exchange)
            return (.failure(error), Self.millis(since: clock))
        } catch {
            return (.failure(TransportError.internalError("\(error)")), Self.millis(since: clock))
        }
    }

    /// The TLS facts of `url`'s host, learnt once per host and port through the transport the hop used.
    func tlsFacts(_ url: String, transport: HTTPTransport) async -> TLSFacts? {
        guard configuration.probeTLS, let parts = URLParts(url), parts.isHTTPS else { return nil }
        let key = "\(parts.host):\(parts.port)"
        if let cached = await evidence.cachedTLS(key) { return cached }
        let facts = TLSFacts(host: parts.host, port: parts.port, await transport.tlsFacts(
            host: parts.host, port: parts.port, timeoutSeconds: min(10, transport.configuration.timeout.connect)))
        await evidence.storeTLS(key, facts)
        return facts
    }

    /// The target of a redirect answer: its Location resolved against `url`, written on `hop` (a
    /// redirect hop). Nil when there is no usable Location; the hop then says so and is recorded.
    static func redirectTarget(of response: HTTPResponse, from url: String, _ hop: inout DiscoveryHop, _ chain: inout Chain) -> String? {
        hop.outcome = .httpRedirect
        guard let location = response.headers.first("Location"), let target = URLParts(url)?.resolve(location) else {
            hop.detail = "HTTP \(response.status) without a usable Location"
            chain.add(hop)
            return nil
        }
        hop.detail = "Location: \(target)"
        return target
    }

    /// Records `hop` as ended by a transport failure and says how the chain ends.
    static func ended(_ hop: DiscoveryHop, by failure: TransportError, _ chain: inout Chain) -> ChainEnding {
        var hop = hop
        let (finding, ending) = classify(failure)
        hop.outcome = finding
        hop.detail = failure.message
        chain.add(hop)
        return ending
    }

    static func classify(_ error: TransportError) -> (DiscoveryHop.Finding, ChainEnding) {
        switch error.code {
        case .tlsFailed:
            return (.tlsFailed, .failed("TLS failed: \(error.message)"))
        case .resolveFailed, .connectFailed, .timedOut:
            return (.unreachable, .notOffered("no answer: \(error.message)"))
        default:
            return (.malformed, .failed("\(error.kind): \(error.message)"))
        }
    }

    static func visitKey(_ address: String, _ url: String) -> String {
        address.lowercased() + "|" + DiscoveryReport.comparable(url)
    }

    static func millis(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return (ms * 1000).rounded() / 1000
    }
}

extension Result where Success == HTTPResponse, Failure == TransportError {
    /// The answer, if one came.
    fileprivate var response: HTTPResponse? { try? get() }
    /// The evidence of the exchange, answered or failed.
    fileprivate var exchange: HTTPExchange? {
        switch self {
        case .success(let response): return response.exchange
        case .failure(let error): return error.exchange
        }
    }
}
