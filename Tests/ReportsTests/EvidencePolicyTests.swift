@testable import Conformance
import EWSTransport
import Foundation
@testable import Reports
import Testing

@Suite("EvidencePolicy")
struct EvidencePolicyTests {
    static func exchange(_ id: Int, body: String = "<m:GetFolderResponse/>") -> HTTPExchange {
        HTTPExchange(id: id, started: Date(), method: "POST", url: "https://mail.contoso.com/EWS/Exchange.asmx", requestBody: "",
                     legs: [.init(requestHeaders: [], status: 200, responseHeaders: [])], responseBody: body,
                     durationMilliseconds: 1, remoteAddress: nil, newConnections: 0, error: nil)
    }

    static func report() -> RunReport {
        var r = SampleReport.make([
            SampleReport.result(CheckCatalog.endpointReachable, .passed, evidence: [1, 2]),
            SampleReport.result(CheckCatalog.serviceAccountAuth, .failed, evidence: [3, 4]),
            SampleReport.result(CheckCatalog.serverVersion, .skipped),
        ])
        r.evidence = (1...5).map { exchange($0) }
        return r
    }

    @Test("failures keeps every exchange of a non-pass and the first of a pass")
    func failuresScope() {
        let r = EvidencePolicy().apply(to: Self.report())
        #expect(r.evidence.map(\.id) == [1, 3, 4])
        #expect(r.results[0].evidence == [1])
        #expect(r.results[1].evidence == [3, 4])
        #expect(r.evidencePolicy == EvidencePolicyStamp(evidence: "failures", personalData: "masked", exchangesDropped: 2, valuesMasked: 0))
    }

    @Test("all keeps everything; none keeps nothing and no result cites a dropped exchange")
    func allAndNone() {
        #expect(EvidencePolicy(scope: .all).apply(to: Self.report()).evidence.count == 5)
        let none = EvidencePolicy(scope: .none).apply(to: Self.report())
        #expect(none.evidence.isEmpty)
        #expect(none.results.allSatisfy { $0.evidence.isEmpty })
        #expect(none.evidencePolicy?.exchangesDropped == 5)
    }

    static let mailbox = """
        <t:Message><t:Subject>Salary review for Dana</t:Subject><t:Body BodyType="Text">private words</t:Body>\
        <t:From><t:Mailbox><t:Name>Dana Smith</t:Name><t:EmailAddress>dana@fabrikam.com</t:EmailAddress></t:Mailbox></t:From></t:Message>\
        <t:Message><t:Subject>Voice Mail from +1 425 555 0100 (1 second) [ewscheck 20261203T101500Z-3f9a]</t:Subject>\
        <t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:Message>\
        <t:Folder><t:DisplayName>Inbox</t:DisplayName></t:Folder><t:PhoneNumbers><t:Entry Key="MobilePhone">+1 206 555 0199</t:Entry></t:PhoneNumbers>
        """

    @Test("other people's data is masked; what the suite created, configured addresses and folder names stay")
    func masking() {
        var r = Self.report()
        r.evidence = [Self.exchange(1, body: Self.mailbox)]
        r.results = [SampleReport.result(CheckCatalog.endpointReachable, .failed, evidence: [1])]
        let masked = EvidencePolicy().apply(to: r)
        let body = masked.evidence[0].responseBody
        for secret in ["Salary review", "private words", "Dana Smith", "dana@fabrikam.com", "+1 206 555 0199"] {
            #expect(!body.contains(secret), "\(secret) is masked")
        }
        #expect(body.contains("<t:Subject>[masked: 22 characters]</t:Subject>"))
        #expect(body.contains("[ewscheck 20261203T101500Z-3f9a]"), "the suite's own subject stays")
        #expect(body.contains("<t:EmailAddress>alice@contoso.com</t:EmailAddress>"), "a configured mailbox stays")
        #expect(body.contains("<t:DisplayName>Inbox</t:DisplayName>"))
        #expect(body.contains("<t:Body BodyType=\"Text\">[masked: 13 characters]</t:Body>"), "attributes survive")
        #expect(masked.evidencePolicy?.valuesMasked == 5)
        let kept = EvidencePolicy(scope: .all, keepPersonalData: true).apply(to: r)
        #expect(kept.evidence[0].responseBody == Self.mailbox)
        #expect(kept.evidencePolicy?.personalData == "kept")
    }
}
