@testable import Conformance
import EWSExecutor
import EWSProtocol
import EWSTransport
import Foundation
import Synchronization
import Testing

/// Throttling answers are honoured: the client waits exactly as long as the provider asks
/// (`ErrorServerBusy` with `BackOffMilliseconds`, HTTP 503 with `Retry-After`), sends the request
/// again, and the check's facts record every wait. The server's own log proves the wait and the retry.
@Suite("Throttling answers honoured", .serialized)
struct ThrottlingTests {
    /// A request the server saw, and when.
    struct Seen: Sendable {
        var at: ContinuousClock.Instant
        var body: String
    }

    static func busyFault(backOff: Int) -> ScriptedEWSServer.Response {
        .init(status: 500, contentType: "text/xml; charset=utf-8", body: """
            <?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode><faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message><t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">\(backOff)</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>
            """)
    }

    static let inbox = ScriptedEWSServer.Response(status: 200, contentType: "text/xml; charset=utf-8", body: """
        <?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Folders><t:Folder><t:FolderId Id="INBOX" ChangeKey="AQ"/><t:DisplayName>Inbox</t:DisplayName></t:Folder></m:Folders></m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>
        """)

    static func client(_ url: String, policy: ThrottlingPolicy = ThrottlingPolicy()) -> (EWSClient, HTTPTransport) {
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(credentials: .none))
        var configuration = EWSClient.Configuration(url: url)
        configuration.throttling = policy
        return (EWSClient(transport: transport, configuration: configuration), transport)
    }

    @Test func retryAfterAndBackOffMillisecondsAreWaitedExactlyThenRetried() async throws {
        let log = Mutex<[Seen]>([])
        let server = try ScriptedEWSServer { request in
            let n = log.locked { $0.append(Seen(at: .now, body: request.body)); return $0.count }
            switch n {
            case 1: return .init(status: 503, contentType: "text/plain", headers: ["Retry-After": "1"], body: "busy")
            case 2: return Self.busyFault(backOff: 400)
            default: return Self.inbox
            }
        }
        defer { server.stop() }
        let (client, transport) = Self.client(server.ewsURL)
        defer { transport.shutdown() }
        let waits = ThrottleLog()
        let call = await ThrottleLog.$current.withValue(waits) { await client.perform(GetFolder(folders: [.inbox])) }
        #expect(call.messages.first?.responseCode == "NoError", "\(call.summary)")
        let seen = log.locked { $0 }
        #expect(seen.count == 3, "one request, two retries")
        #expect(Set(seen.map(\.body)).count == 1, "the retries are the same request")
        if seen.count == 3 {
            #expect(seen[1].at - seen[0].at >= .milliseconds(1000), "Retry-After: 1 was waited: \(seen[1].at - seen[0].at)")
            #expect(seen[2].at - seen[1].at >= .milliseconds(400), "BackOffMilliseconds 400 was waited: \(seen[2].at - seen[1].at)")
            // The waits recorded say 400 ms exactly (below); the wall-clock bound only leaves room for a loaded
            // machine (11.6 s seen in a full parallel run).
            #expect(seen[2].at - seen[1].at < .seconds(30), "and not the Retry-After of the first answer or a default")
        }
        #expect(waits.all.map(\.milliseconds) == [1000, 400])
        #expect(waits.all.map(\.reason) == ["HTTP 503 Retry-After", "ErrorServerBusy BackOffMilliseconds"])
        #expect(waits.facts["throttle_waits"] == "2" && waits.facts["throttle_wait_ms"] == "1400")
    }

    @Test func aWaitBeyondThePolicyOrWithoutADurationIsNotRetried() async throws {
        for (answer, policy) in [(Self.busyFault(backOff: 297_749), ThrottlingPolicy()),
                                 (ScriptedEWSServer.Response(status: 503, contentType: "text/plain", body: "busy"), ThrottlingPolicy()),
                                 (Self.busyFault(backOff: 10), ThrottlingPolicy.off)] {
            let count = Mutex(0)
            let server = try ScriptedEWSServer { _ in count.locked { $0 += 1 }; return answer }
            let (client, transport) = Self.client(server.ewsURL, policy: policy)
            let waits = ThrottleLog()
            let call = await ThrottleLog.$current.withValue(waits) { await client.perform(GetFolder(folders: [.inbox])) }
            transport.shutdown()
            server.stop()
            #expect(count.locked { $0 } == 1, "returned as it is: \(call.summary)")
            #expect(waits.all.isEmpty)
        }
    }

    @Test func aRetryBudgetBoundsTheWaits() async throws {
        let count = Mutex(0)
        let server = try ScriptedEWSServer { _ in count.locked { $0 += 1 }; return Self.busyFault(backOff: 50) }
        defer { server.stop() }
        let (client, transport) = Self.client(server.ewsURL, policy: ThrottlingPolicy(maxRetries: 3))
        defer { transport.shutdown() }
        let call = await client.perform(GetFolder(folders: [.inbox]))
        #expect(call.fault?.code == "ErrorServerBusy", "the last answer is returned: \(call.summary)")
        #expect(count.locked { $0 } == 4, "one request and three retries")
    }

    /// A whole run through a proxy that throttles every third EWS request: nothing fails, and the
    /// checks' facts hold the back-offs.
    @Test func aThrottledRunPassesAndItsFactsRecordTheBackOffs() async throws {
        let fake = try FakeEWS([])
        defer { fake.stop() }
        let posts = Mutex(0)
        let throttled = Mutex(0)
        let upstream = fake.server.ewsURL
        let proxy = try ScriptedEWSServer { request in
            if request.method == "POST" {
                let n = posts.locked { $0 += 1; return $0 }
                if n % 3 == 0 {
                    throttled.locked { $0 += 1 }
                    return n % 2 == 0 ? .init(status: 503, contentType: "text/plain", headers: ["Retry-After": "0"], body: "busy")
                        : Self.busyFault(backOff: 30)
                }
            }
            return Self.forward(request, to: upstream)
        }
        defer { proxy.stop() }
        let target = TargetConfiguration(
            name: "throttled", ewsURL: proxy.ewsURL,
            serviceAccount: .init(username: "svc", auth: .basic, secret: .environment("UNUSED")),
            mailboxes: ["alice@contoso.com"], outOfScopeMailbox: FakeEWS.outOfScope, nonexistentMailbox: FakeEWS.nonexistent)
        var options = RunOptions(runID: RunOptions.makeRunID())
        // The scripted server models the core families only (the contact-center ones have their own tests).
        options.selection = CheckSelection(only: EarnedVerdictTests.modelled)
        let report = await SuiteRunner(target: target, credentials: .none, options: options).run()
        let bad = report.results.filter { $0.outcome != .passed }
        #expect(bad.isEmpty, "\(bad.map { "\($0.displayName): \($0.message)" })")
        let recorded = report.results.compactMap { $0.facts["throttle_waits"].flatMap(Int.init) }.reduce(0, +)
        #expect(throttled.locked { $0 } > 3)
        #expect(recorded > 0 && recorded <= throttled.locked { $0 }, "recorded \(recorded) of \(throttled.locked { $0 }) throttled answers")
        #expect(report.results.contains { $0.facts["throttle_back_offs"]?.contains("ErrorServerBusy BackOffMilliseconds 30 ms") == true })
    }

    /// Sends a request on to `url` and gives back the answer (blocking; the scripted server calls
    /// this on a thread of its own, never on the cooperative pool).
    static func forward(_ request: ScriptedEWSServer.Request, to url: String) -> ScriptedEWSServer.Response {
        let headers = request.headers.filter { !["content-length", "host", "connection"].contains($0.key) }.map { HTTPHeader($0.key, $0.value) }
        let upstream = HTTPRequest(method: request.method, url: url, headers: headers, body: request.method == "POST" ? Array(request.body.utf8) : [])
        let result = Mutex<ScriptedEWSServer.Response>(.init(status: 502, contentType: "text/plain", body: "no answer"))
        let done = DispatchSemaphore(value: 0)
        Task {
            let transport = HTTPTransport(configuration: HTTPTransportConfiguration(credentials: .none))
            if let response = try? await transport.send(upstream, sendCredentials: false) {
                result.locked { $0 = .init(status: response.status, contentType: response.headers.first("Content-Type"),
                                             body: String(decoding: response.body, as: UTF8.self)) }
            }
            transport.shutdown()
            done.signal()
        }
        done.wait()
        return result.locked { $0 }
    }
}
