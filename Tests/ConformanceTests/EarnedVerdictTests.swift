@testable import Conformance
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import ProviderManifest
import Testing

/// A check passes only on the answer its requirement names; everything else is a failure with
/// its own name. Servers that misbehave are scripted (``FakeEWS``); the simulator's flavors and
/// quirks cover the rest.
@Suite("Earned verdicts")
struct EarnedVerdictTests {
    static func run(_ quirks: Set<FakeEWS.Quirk>, profile: ProviderManifest? = nil) async throws -> (RunReport, FakeEWS) {
        let fake = try FakeEWS(quirks)
        let target = TargetConfiguration(
            name: "scripted", ewsURL: fake.server.ewsURL,
            serviceAccount: .init(username: "svc", auth: .basic, secret: .environment("UNUSED")),
            mailboxes: ["alice@contoso.com"], outOfScopeMailbox: FakeEWS.outOfScope, nonexistentMailbox: FakeEWS.nonexistent)
        var options = RunOptions(runID: RunOptions.makeRunID(), profile: profile.map { RunProfile(manifest: $0, source: "test") })
        // The families the scripted server models; the contact-center families have their own tests.
        options.selection = CheckSelection(only: Self.modelled)
        let report = await SuiteRunner(target: target, credentials: .none, options: options).run()
        fake.stop()
        return (report, fake)
    }

    /// The checks ``FakeEWS`` answers (with what they need first).
    /// (Of the impersonation family the scripted server answers the primary form and its two
    /// refusals; the ConnectingSID matrix has its own tests against the simulator.)
    static let modelled = ["ews.endpoint.reachable", "auth", "ews.server-version", "ews.request-version.exchange2016",
                           "impersonation.primary-smtp.getfolder", "impersonation.out-of-scope.denied",
                           "impersonation.nonexistent-mailbox.rejected", "impersonation.required-headers.withheld", "voicemail",
                           "suite.cleanup.complete"]

    static func manifest(schemes: [String] = ["basic"], deviations: [ProviderManifest.KnownDeviation] = []) -> ProviderManifest {
        ProviderManifest(id: "scripted", name: "Scripted", version: "1.0.0", vendor: "tests",
                         discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx")]),
                         auth: .init(schemes: schemes), ews: .init(requestServerVersion: "Exchange2013_SP1"), knownDeviations: deviations)
    }

    @Test("a well-behaved scripted server passes every check (the baseline the other tests break)")
    func baseline() async throws {
        let (report, _) = try await Self.run([])
        let bad = report.results.filter { $0.outcome != .passed }
        #expect(bad.isEmpty, "\(bad.map { "\($0.displayName): \($0.message)" })")
    }

    @Test("an HTML page where SOAP belongs is a failure named with the page's title")
    func htmlInsteadOfSOAP() async throws {
        let (report, _) = try await Self.run([.htmlPage])
        #expect(try report.result(CheckCatalog.serviceAccountAuth).outcome == .passed)
        let deliver = try #require(report.results(CheckCatalog.voicemailDeliver).first)
        #expect(deliver.outcome == .failed)
        #expect(deliver.message.contains("HTML page instead of SOAP: \"Request Entity Too Large\""), "\(deliver.message)")
    }

    @Test("a SOAP 1.2 envelope answering a SOAP 1.1 request fails the check that would have passed on it")
    func soap12Envelope() async throws {
        let (report, _) = try await Self.run([.soap12])
        let auth = try report.result(CheckCatalog.serviceAccountAuth)
        #expect(auth.outcome == .failed)
        #expect(auth.message.hasPrefix("SOAP 1.2 envelope answering a SOAP 1.1 request"), "\(auth.message)")
        #expect(auth.facts["response_shape"] != nil)
    }

    @Test("a SOAP answer labelled text/plain is a failure naming the content type")
    func wrongContentType() async throws {
        let (report, _) = try await Self.run([.textPlain])
        let auth = try report.result(CheckCatalog.serviceAccountAuth)
        #expect(auth.outcome == .failed)
        #expect(auth.message.contains("wrong content type text/plain"), "\(auth.message)")
    }

    @Test("ews.request-version passes only on NoError: an ErrorServerBusy fault is named as such")
    func requestVersionBusy() async throws {
        let (report, fake) = try await Self.run([.busyOnExchange2016])
        let version = try report.result(CheckCatalog.requestVersionProduct)
        #expect(version.outcome == .failed)
        #expect(version.message.contains("ErrorServerBusy fault instead of a response"), "\(version.message)")
        #expect(version.facts["response_code"] == "ErrorServerBusy" && version.facts["fault_code"] == "a:ErrorServerBusy")
        // It was an impersonated GetFolder of the first mailbox.
        let sent = fake.server.requests.filter { $0.body.contains("Version=\"Exchange2016\"") }
        #expect(sent.count == 1 && sent.first?.body.contains("alice@contoso.com") == true)
    }

    @Test("a bare SOAP fault is not an EWS refusal: faultcode and ResponseCode stay apart and the message quotes the fault text")
    func bareFault() async throws {
        let (report, _) = try await Self.run([.bareFaultOutOfScope])
        let denied = try report.result(CheckCatalog.outOfScopeDenied)
        #expect(denied.outcome == .failed)
        #expect(denied.facts["fault_code"] == "s:Server")
        #expect(denied.facts["response_code"] == nil)
        #expect(denied.message.contains("The mailbox database is temporarily unavailable."), "\(denied.message)")
    }

    @Test("ErrorImpersonateUserDenied in a response message, not Exchange's HTTP 500 fault, fails the out-of-scope check naming both forms; ErrorNonExistentMailbox passes in either")
    func refusalForms() async throws {
        let (report, _) = try await Self.run([.outOfScopeAsResponseMessage])
        let denied = try report.result(CheckCatalog.outOfScopeDenied)
        #expect(denied.outcome == .failed, "\(denied.message)")
        #expect(denied.message.contains("refused with ErrorImpersonateUserDenied, but as a response message, HTTP 200 where Exchange answers ErrorImpersonateUserDenied as an HTTP 500 SOAP fault"),
                "\(denied.message)")
        #expect(denied.facts["expected_refusal_evidence"]?.hasPrefix("observed") == true)
        // FakeEWS answers a nonexistent mailbox in a response message, one of Exchange's two forms.
        let nonexistent = try report.result(CheckCatalog.nonexistentRejected)
        #expect(nonexistent.outcome == .passed, "\(nonexistent.message)")
        #expect(nonexistent.facts["http_status"] == "200")
        #expect(nonexistent.facts["expected_refusal"] == "ErrorNonExistentMailbox as an HTTP 500 SOAP fault or an HTTP 200 response message")

        // Exchange's own form passes, and says where it is known from.
        let (healthy, _) = try await Self.run([])
        let fault = try healthy.result(CheckCatalog.outOfScopeDenied)
        #expect(fault.outcome == .passed, "\(fault.message)")
        #expect(fault.message.contains("(a SOAP fault, HTTP 500)"), "\(fault.message)")
        #expect(fault.facts["expected_refusal"] == "ErrorImpersonateUserDenied as an HTTP 500 SOAP fault")
    }

    @Test("a bare SOAP fault to the first authenticated request fails auth.service-account and names the fault; nothing after it passes")
    func bareFaultEverywhere() async throws {
        let (report, _) = try await Self.run([.bareFaultEverywhere])
        let auth = try report.result(CheckCatalog.serviceAccountAuth)
        #expect(auth.outcome == .failed)
        #expect(auth.message.contains("a bare SOAP fault s:Server"), "\(auth.message)")
        #expect(auth.message.contains("Object reference not set"), "\(auth.message)")
        #expect(try report.result(CheckCatalog.serverVersion).outcome == .skipped)
        for id in [CheckCatalog.impersonationGetFolder, CheckCatalog.voicemailDeliver, CheckCatalog.outOfScopeDenied] {
            #expect(report.results(id).allSatisfy { $0.outcome != .passed }, "\(id) passed on a bare fault")
        }
    }

    @Test("a GetItem answer for another ItemId than the one asked for is a failure")
    func otherItemID() async throws {
        let (report, _) = try await Self.run([.otherItemID])
        let deliver = try #require(report.results(CheckCatalog.voicemailDeliver).first)
        #expect(deliver.outcome == .failed)
        #expect(deliver.message.contains("GetItem answered with another item"), "\(deliver.message)")
        #expect(try report.result(CheckCatalog.cleanupComplete).outcome == .passed)
    }

    @Test("voicemail.deliver verifies what was stored: a dropped attachment fails it, saying what is missing")
    func droppedAttachment() async throws {
        let (report, _) = try await Self.run([.dropAttachment])
        let deliver = try #require(report.results(CheckCatalog.voicemailDeliver).first)
        #expect(deliver.outcome == .failed)
        #expect(deliver.message.contains("the attachment audio.wav is missing (the item has no attachments"), "\(deliver.message)")
        #expect(report.results(CheckCatalog.voicemailReadback).first?.outcome == .skipped)
    }

    @Test("suite.cleanup.complete fails when a CreateItem answer was lost and the sweep cannot account for it")
    func lostCreateAnswer() async throws {
        let (report, _) = try await Self.run([.loseCreateAnswer])
        let cleanup = try report.result(CheckCatalog.cleanupComplete)
        #expect(cleanup.outcome == .failed)
        #expect(cleanup.message.contains("got no usable answer"), "\(cleanup.message)")
        #expect(cleanup.facts["unanswered_creates"] == "1")
    }

    @Test("auth schemes are read from the challenge the EWS POST gets (GET answered 405)")
    func schemesFromPost() async throws {
        let (report, _) = try await Self.run([.get405PostBasic], profile: Self.manifest(schemes: ["basic"]))
        let offered = try report.result(AuthChecks.schemesOffered)
        #expect(offered.outcome == .passed, "\(offered.message)")
        #expect(offered.facts["offered_schemes"] == "Basic" && offered.facts["challenge_of"] == "POST")
        #expect(offered.level == .recommended)
    }

    @Test("a known deviation matches by signature: 'no UnreadCount' does not hide 'the count does not rise'")
    func signatureMismatchStaysAFailure() async throws {
        let declared = ProviderManifest.KnownDeviation(check: "voicemail.message-waiting", reason: "GetFolder leaves out UnreadCount",
                                                       signature: .init(facts: ["unread_count": "absent"]))
        let (report, _) = try await Self.run([.unreadStuck], profile: Self.manifest(deviations: [declared]))
        let waiting = try #require(report.results(CheckCatalog.voicemailMessageWaiting).first)
        #expect(waiting.outcome == .failed)
        #expect(waiting.message.contains("does not show its signature"), "\(waiting.message)")
        #expect(report.exitCode == 1)
    }

    @Test("a known deviation whose signature matches is an expected failure")
    func signatureMatch() async throws {
        let declared = ProviderManifest.KnownDeviation(check: "voicemail.message-waiting", reason: "the count does not rise",
                                                       signature: .init(text: "went from 0 to 0"))
        let (report, _) = try await Self.run([.unreadStuck], profile: Self.manifest(deviations: [declared]))
        let waiting = try #require(report.results(CheckCatalog.voicemailMessageWaiting).first)
        #expect(waiting.outcome == .expectedFailure, "\(waiting.message)")
    }

    @Test("a required header the run cannot send errors the impersonation check; given a value it goes out")
    func requiredHeaders() async throws {
        var manifest = Self.manifest()
        manifest.ews.requiredHeaders = ["X-AnchorMailbox", "X-Tenant"]
        let (without, _) = try await Self.run([], profile: manifest)
        let errored = try #require(without.results(CheckCatalog.impersonationGetFolder).first)
        #expect(errored.outcome == .errored)
        #expect(errored.message.contains("requires X-Tenant, but the request went without it"), "\(errored.message)")
        manifest.ews.extraHeaders = ["X-Tenant": "acme"]
        let (with, fake) = try await Self.run([], profile: manifest)
        #expect(try #require(with.results(CheckCatalog.impersonationGetFolder).first).outcome == .passed)
        // Every POST carried it but the one impersonation.required-headers.withheld sends without it on purpose.
        let posts = fake.server.requests.filter { $0.method == "POST" }
        #expect(posts.filter { $0.headers["x-tenant"] != "acme" }.count == 1, "\(posts.map { $0.headers["x-tenant"] ?? "-" })")
        #expect(try #require(with.results(CheckCatalog.requiredHeadersWithheld).first).outcome == .passed)
    }

    @Test("the must-fail impersonation checks are skipped, not passed, when in-scope impersonation fails too")
    func mustFailNeedsThePositiveCase() async throws {
        try await Fixtures.withSimulator { sim in
            // Every mailbox out of scope: a server refusing all impersonation.
            var target = TargetConfiguration.simulated(sim)
            target.mailboxes = [sim.mailboxOutOfScope]
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [passwordVariable: sim.serviceAccountPassword], warnings: &warnings)
            let report = await SuiteRunner(target: target, credentials: credentials, options: RunOptions(runID: RunOptions.makeRunID())).run()
            let denied = try report.result(CheckCatalog.outOfScopeDenied)
            #expect(denied.outcome == .skipped, "\(denied.message)")
            #expect(denied.message.contains("impersonation.primary-smtp.getfolder"))
            #expect(try report.result(CheckCatalog.requestVersionProduct).outcome == .skipped)
        }
    }
}
