@testable import Discovery
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

@Suite("DNS: SRV selection, messages, and a real server")
struct DNSTests {
    @Test("RFC 2782: lowest priority first; within a priority the weights decide")
    func selectionOrder() {
        let records = [
            SRVRecord(priority: 20, weight: 0, port: 443, target: "backup"),
            SRVRecord(priority: 10, weight: 1, port: 443, target: "light"),
            SRVRecord(priority: 10, weight: 99, port: 443, target: "heavy"),
            SRVRecord(priority: 5, weight: 0, port: 443, target: "first"),
        ]
        var generator = SeededGenerator(state: 42)
        var heavyFirst = 0
        for _ in 0..<1000 {
            let order = SRVRecord.selectionOrder(records, using: &generator).map(\.target)
            #expect(order.first == "first")
            #expect(order.last == "backup")
            #expect(Set(order[1...2]) == ["heavy", "light"])
            if order[1] == "heavy" { heavyFirst += 1 }
        }
        #expect((950...1000).contains(heavyFirst), "weight 99 of 100 should come first about 99 % of the time; was \(heavyFirst)/1000")
    }

    @Test("RFC 2782: a lone record with target \".\" means no service; a zero weight can still be picked")
    func specialCases() {
        var generator = SeededGenerator(state: 7)
        #expect(SRVRecord.selectionOrder([SRVRecord(priority: 0, weight: 0, port: 0, target: ".")], using: &generator).isEmpty)
        let zeros = [SRVRecord(priority: 1, weight: 1, port: 443, target: "b"), SRVRecord(priority: 1, weight: 0, port: 443, target: "a")]
        var seen: Set<String> = []
        for _ in 0..<50 { seen.insert(SRVRecord.selectionOrder(zeros, using: &generator)[0].target) }
        #expect(seen == ["a", "b"])
    }

    @Test("DNS messages: a query is RFC 1035 wire form; answers with compression pointers are read")
    func messages() throws {
        let query = try #require(DNSMessage.query(id: 0xBEEF, name: "_autodiscover._tcp.contoso.com", type: .srv))
        #expect(Array(query[0..<12]) == [0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
        #expect(Array(query.suffix(4)) == [0, 33, 0, 1])
        // Answer: the question echoed, then one SRV whose owner is a pointer to offset 12 and whose
        // target ends in a pointer to "contoso.com" inside the question.
        var answer: [UInt8] = [0xBE, 0xEF, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]
        answer += Array(query[12...])
        let contosoOffset = 12 + 1 + "_autodiscover".utf8.count + 1 + "_tcp".utf8.count
        let targetLabels: [UInt8] = [4] + Array("mail".utf8) + [0xC0, UInt8(contosoOffset)]
        answer += [0xC0, 12, 0, 33, 0, 1, 0, 0, 0x0E, 0x10, 0, UInt8(6 + targetLabels.count)]
        answer += [0, 10, 0, 60, 0x01, 0xBB] + targetLabels
        let message = try DNSMessage.parse(answer, expectedID: 0xBEEF)
        #expect(message.answers.count == 1)
        #expect(message.answers.first?.name == "_autodiscover._tcp.contoso.com")
        #expect(message.answers.first?.record == .srv(SRVRecord(priority: 10, weight: 60, port: 443, target: "mail.contoso.com")))
    }

    @Test("DNS messages: a wrong id, a pointer loop and a cut-off record are refused, not trusted")
    func hostileMessages() throws {
        let header: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0]
        #expect(throws: DNSMessage.ParseError.self) { try DNSMessage.parse(header, expectedID: 0x9999) }
        let loop = header + [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]
        #expect(throws: DNSMessage.ParseError.self) { try DNSMessage.parse(loop, expectedID: 0x1234) }
        let cut = header + [0, 0, 33, 0, 1, 0, 0, 0, 1, 0, 40, 0, 1]
        #expect(throws: DNSMessage.ParseError.self) { try DNSMessage.parse(cut, expectedID: 0x1234) }
    }

    @Test("DNS server addresses: ADDR, ADDR:PORT, [v6]:PORT; host names refused")
    func serverAddresses() {
        #expect(DNSServerAddress(parsing: "127.0.0.1:5353") == DNSServerAddress(address: "127.0.0.1", port: 5353))
        #expect(DNSServerAddress(parsing: "9.9.9.9") == DNSServerAddress(address: "9.9.9.9", port: 53))
        #expect(DNSServerAddress(parsing: "[::1]:53") == DNSServerAddress(address: "::1", port: 53))
        #expect(DNSServerAddress(parsing: "::1") == DNSServerAddress(address: "::1", port: 53))
        #expect(DNSServerAddress(parsing: "dns.example:53") == nil)
        #expect(DNSServerAddress(parsing: "127.0.0.1:0") == nil)
    }

    @Test("dnsmasq: SRV and A records come back over real UDP; NXDOMAIN and \".\" are told apart")
    func realServer() async throws {
        try await DNSFixture.with { dns in
            let resolver = DNSResolver(server: dns.server, timeout: 2)
            let contoso = try await resolver.srv("_autodiscover._tcp.contoso.com")
            #expect(contoso.srv == [SRVRecord(priority: 0, weight: 0, port: 443, target: "mail.contoso.com")])
            let multi = try await resolver.srv("_autodiscover._tcp.multi.example")
            #expect(Set(multi.srv.map(\.target)) == ["first.multi.example", "heavy.multi.example", "light.multi.example", "backup.multi.example"])
            let a = try await resolver.addresses("mail.contoso.com")
            #expect(a.addresses == ["127.0.0.1"])
            let missing = try await resolver.srv("_autodiscover._tcp.nothing.contoso.com")
            #expect(missing.responseCodeName == "NXDOMAIN" && missing.srv.isEmpty)
            let none = try await resolver.srv("_autodiscover._tcp.none.example")
            var generator = SeededGenerator(state: 1)
            #expect(none.srv.count == 1 && SRVRecord.selectionOrder(none.srv, using: &generator).isEmpty)
        }
    }

    @Test("a DNS server that never answers: a specific failure within the timeout, not a hang")
    func silentServer() async throws {
        // A UDP port this test holds and never reads: nobody else can answer on it.
        let silent = try ClosedPort(udp: true)
        defer { silent.close() }
        let port = silent.port
        let resolver = DNSResolver(server: DNSServerAddress(address: "127.0.0.1", port: port), timeout: 1)
        let clock = ContinuousClock.now
        let failure = await #expect(throws: DNSResolver.Failure.self) { _ = try await resolver.srv("_autodiscover._tcp.contoso.com") }
        let text = failure?.description ?? ""
        #expect(text.contains("127.0.0.1:\(port)") && text.contains("within 1.0 s"), "\(text)")
        // The timeout is 1 s; the wide margin is for a machine whose cooperative threads other suites keep busy.
        #expect(ContinuousClock.now - clock < .seconds(60))
    }

    @Test("srv-only layout: only the SRV record from dnsmasq leads to the endpoint")
    func srvOnlyLayout() async throws {
        try await DNSFixture.with { dns in
            try await LayoutHarness.with(.srvOnly) { h in
                let engine = AutodiscoverEngine(transport: h.transport, configuration: DiscoveryConfiguration(
                    methods: [.pox, .httpRedirect, .dnsSRV], dnsServer: dns.server))
                let report = await engine.discover("alice@contoso.com")
                #expect(report.summary["pox.root-domain"] == "not-offered")
                #expect(report.summary["pox.autodiscover-host"] == "not-offered")
                #expect(report.summary["http-redirect"] == "not-offered")
                let probe = try #require(report.probe("dns-srv"))
                #expect(probe.conclusion == .found, "\(probe.reason)")
                #expect(probe.hops.first?.kind == .dns && probe.hops.first?.outcome == .records)
                #expect(probe.hops.first?.detail.contains("0 0 443 mail.contoso.com") == true)
                #expect(probe.hops.last?.url == "https://mail.contoso.com/autodiscover/autodiscover.xml")
                #expect(report.ewsURL == LayoutTests.ews)
                #expect(report.foundBy == "dns-srv")
            }
        }
    }
}
