@testable import Conformance
// The project's own libxml2 validator and reader (`package` API of EWSProtocol).
import EWSProtocol
import EWSTestSupport
import EWSTransport
import Foundation
@testable import Reports
import Testing

/// The JUnit XML of `report`, parsed; fails the test when it is not well-formed.
private func parsedJUnit(_ report: RunReport) throws -> (xml: String, root: EWSProtocol.XMLElement) {
    let xml = JUnitReportWriter.render(report)
    let tree: XMLTree
    do {
        tree = try XMLTree(parsing: Array(xml.utf8))
    } catch {
        Issue.record("the JUnit XML is not well-formed: \(error)\n\(xml)")
        throw error
    }
    let root = try #require(tree.root)
    return (xml, root)
}

/// The violations of `xml` against Jenkins' junit-10.xsd.
private func junitViolations(_ xml: String) throws -> [String] {
    let validator = try SchemaValidator(schemaFile: try TestPaths.junitSchema())
    let tree = try XMLTree(parsing: Array(xml.utf8))
    let root = try #require(tree.root)
    return validator.validate(root).map(\.description)
}

/// Every testcase of every suite, in document order.
private func testcases(_ root: EWSProtocol.XMLElement) throws -> [EWSProtocol.XMLElement] {
    root.children("testsuite").flatMap { $0.children("testcase") }
}

@Suite("JUnitReportWriter")
struct JUnitReportWriterTests {
    @Test("a report with every outcome is valid against Jenkins' junit-10.xsd")
    func validAgainstSchema() throws {
        let xml = JUnitReportWriter.render(SampleReport.make())
        let violations = try junitViolations(xml)
        #expect(violations.isEmpty, "\(violations)\n\(xml)")
    }

    @Test("a report with no results is valid too")
    func emptyReportValid() throws {
        let xml = JUnitReportWriter.render(SampleReport.make([], seconds: 0))
        #expect(try junitViolations(xml).isEmpty, "\(xml)")
        let (_, root) = try parsedJUnit(SampleReport.make([]))
        #expect(root.attribute("tests") == "0")
    }

    @Test("a wall clock that stepped back during the run still gives a valid time")
    func clockSteppedBack() throws {
        // SuiteRunner stamps startedAt and finishedAt with Date(), which NTP may step backwards.
        let xml = JUnitReportWriter.render(SampleReport.make(seconds: -0.25))
        let violations = try junitViolations(xml)
        do {
            #expect(violations.isEmpty, "\(violations)")
        }
    }

    @Test("the schema check can fail: a testcase without a name is refused")
    func validatorRejectsInvalid() throws {
        let xml = JUnitReportWriter.render(SampleReport.make()).replacingOccurrences(of: "<testcase name=", with: "<testcase label=")
        #expect(!(try junitViolations(xml)).isEmpty)
    }

    @Test("one testsuite per area; the counts on testsuites and each testsuite match the summary and the testcases")
    func countsMatchSummary() throws {
        let report = SampleReport.make()
        let s = report.summary
        let (_, root) = try parsedJUnit(report)
        let suites = root.children("testsuite")
        let cases = try testcases(root)
        func count(_ element: String) -> Int { cases.filter { $0.child(element) != nil }.count }
        func sum(_ attribute: String) -> Int { suites.reduce(0) { $0 + (Int($1.attribute(attribute) ?? "") ?? -1000) } }

        #expect(root.name == "testsuites")
        var areas: [String] = []
        for r in report.results where !areas.contains(r.id.area) { areas.append(r.id.area) }
        #expect(suites.map { $0.attribute("name") ?? "" } == areas)
        for suite in suites {
            let area = suite.attribute("name") ?? ""
            let mine = suite.children("testcase")
            #expect(suite.attribute("tests") == String(mine.count))
            #expect(mine.allSatisfy { $0.attribute("classname") == area })
            #expect(suite.attribute("id") == report.runID + "." + area)
        }
        #expect(root.attribute("tests") == String(s.total))
        #expect(root.attribute("failures") == String(s.failed + s.unexpectedPasses))
        #expect(root.attribute("errors") == String(s.errored))
        #expect(sum("tests") == s.total)
        #expect(sum("failures") == s.failed + s.unexpectedPasses)
        #expect(sum("errors") == s.errored)
        #expect(sum("skipped") == s.skipped + s.expectedFailures)
        #expect(cases.count == s.total)
        #expect(count("failure") == s.failed + s.unexpectedPasses)
        #expect(count("error") == s.errored)
        #expect(count("skipped") == s.skipped + s.expectedFailures)
        // The sample holds each outcome, so the counts above are not vacuous.
        #expect(s.failed == 2 && s.unexpectedPasses == 1 && s.errored == 1 && s.skipped == 2 && s.expectedFailures == 1 && s.passed == 3)
        #expect(root.attribute("time") == "12.346")
    }

    /// What a testcase of each outcome must hold besides `system-out`.
    static let mapping: [(Outcome, String?, String?)] = [
        (.passed, nil, nil),
        (.failed, "failure", "failed"),
        (.unexpectedPass, "failure", "unexpected_pass"),
        (.errored, "error", "errored"),
        (.skipped, "skipped", "skipped"),
        (.expectedFailure, "skipped", "expected_failure"),
    ]

    @Test("each outcome maps to its JUnit element", arguments: mapping)
    func outcomeMapping(_ outcome: Outcome, _ element: String?, _ type: String?) throws {
        let message = "why \(outcome.rawValue)"
        let result = SampleReport.result(CheckCatalog.voicemailDeliver, mailbox: "bob@contoso.com", outcome, message: message)
        let (_, root) = try parsedJUnit(SampleReport.make([result]))
        let testcase = try #require(try testcases(root).first)
        #expect(testcase.attribute("name") == "voicemail.deliver[bob@contoso.com]")
        #expect(testcase.attribute("classname") == "voicemail")
        #expect(testcase.attribute("time") == "0.012")
        let verdicts = testcase.children.filter { $0.name != "system-out" }
        #expect(verdicts.map(\.name) == (element.map { [$0] } ?? []))
        if let first = verdicts.first {
            #expect(first.attribute("type") == type)
            #expect(first.attribute("message")?.hasPrefix(message) == true)
            if outcome == .failed || outcome == .errored {
                // What was observed, then what was required.
                #expect(first.attribute("message") == "\(message) — required: \(result.requirement)")
            }
        }
        let out = try #require(testcase.child("system-out"))
        #expect(out.text.hasPrefix("\(outcome.label): \(message)\n"))
        #expect(out.text.contains("requirement: \(result.requirement)"))
    }

    @Test("facts and evidence ids go to system-out")
    func systemOut() throws {
        let result = SampleReport.result(CheckCatalog.endpointReachable, .passed, evidence: [4, 7], facts: ["offered_schemes": "NTLM", "http_status": "401"])
        let (_, root) = try parsedJUnit(SampleReport.make([result]))
        let out = try #require(try testcases(root).first?.child("system-out")).text
        #expect(out.contains("http_status: 401\noffered_schemes: NTLM\n"))
        #expect(out.contains("evidence: HTTP exchanges 4, 7 in report.json"))
    }

    static let awkwardTexts: [String] = [
        "quotes \" and ' and <tags> & ampersands &amp; ]]> end",
        "two\nlines\tand a tab",
        "control \u{1} and \u{8} and \u{1B}[31m escape and NUL \u{0} characters",
        "unicode ✓ 𝄞 and a noncharacter \u{FFFE}",
    ]

    @Test("awkward text in messages, names, properties and requirements stays well-formed and valid", arguments: awkwardTexts)
    func awkwardTextWellFormed(_ text: String) throws {
        let result = CheckResult(id: CheckID("odd.check"), title: text, requirement: "requirement: " + text, mailbox: text,
                                 outcome: .failed, message: text, durationMilliseconds: 1, evidence: [], facts: [text: text])
        let report = SampleReport.make([result, SampleReport.result(CheckCatalog.voicemailReadback, .skipped, message: text)],
                                       targetName: text, warnings: [text])
        let (xml, root) = try parsedJUnit(report)
        #expect(try junitViolations(xml).isEmpty)

        // What XML can carry comes back exactly; characters XML 1.0 cannot hold are dropped.
        let representable = String(String.UnicodeScalarView(text.unicodeScalars.filter {
            $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0xFFFE && $0.value != 0xFFFF)
        }))
        let cases = try testcases(root)
        #expect(cases.first?.child("failure")?.attribute("message") == representable + " — required: requirement: " + representable)
        #expect(cases.first?.attribute("name") == "odd.check[\(representable)]")
        #expect(cases.last?.child("skipped")?.attribute("message") == representable)
        #expect(root.attribute("name") == "ewscheck: " + representable)
        let warning = root.child("testsuite")?.child("properties")?.children("property").first { $0.attribute("name") == "warning" }
        #expect(warning?.attribute("value") == representable)
    }

    @Test("a carriage return in a message survives in the attribute")
    func carriageReturnKept() throws {
        let message = "HTTP 500\r\nServer: broken"
        let (_, root) = try parsedJUnit(SampleReport.make([SampleReport.result(CheckCatalog.serviceAccountAuth, .failed, message: message)]))
        let attribute = try testcases(root).first?.child("failure")?.attribute("message")
        #expect(attribute?.hasPrefix(message) == true)
    }

    @Test("the properties carry the run id, endpoint, scheme, TLS mode and server build")
    func properties() throws {
        let report = SampleReport.make()
        let (_, root) = try parsedJUnit(report)
        let properties = try #require(root.child("testsuite")?.child("properties")).children("property")
        var values: [String: [String]] = [:]
        for p in properties { values[p.attribute("name") ?? "", default: []].append(p.attribute("value") ?? "") }
        #expect(values["run_id"] == [report.runID])
        #expect(values["ews_url"] == [report.target.ewsURL])
        #expect(values["auth_scheme"] == ["NTLM"])
        #expect(values["tls.insecure"] == ["false"])
        #expect(values["tls.verify"] == ["true"])
        #expect(values["server.build"] == [report.server?.build ?? "?"])
        #expect(values["warning"] == report.warnings)
        #expect(values["exit_code"] == [String(report.exitCode)])
    }

    @Test("a failure's body is an excerpt of the evidence it cites, not the requirement again")
    func failureBodyIsEvidence() throws {
        var report = SampleReport.make([SampleReport.result(CheckCatalog.serviceAccountAuth, .failed, message: "refused", evidence: [1])])
        report.evidence = [HTTPExchange(id: 1, started: Date(), method: "POST", url: "https://mail.contoso.com/EWS/Exchange.asmx",
                                        requestBody: "<soap/>", legs: [.init(requestHeaders: [], status: 401, responseHeaders: [HTTPHeader("WWW-Authenticate", "NTLM")])],
                                        responseBody: "denied", durationMilliseconds: 3, remoteAddress: nil, newConnections: 1, error: nil)]
        let (_, root) = try parsedJUnit(report)
        let body = try #require(try testcases(root).first?.child("failure")).text
        #expect(body.contains("POST https://mail.contoso.com/EWS/Exchange.asmx") && body.contains("HTTP 401") && body.contains("WWW-Authenticate: NTLM"))
        #expect(!body.contains(report.results[0].requirement))
    }

    @Test("the profile's dated notices are properties and system-out of every suite")
    func noticesInJUnit() throws {
        var report = SampleReport.make()
        report.notices = [.init(id: "ews-blocked", date: "2026-10-01", kind: "blocked", summary: "EWS is blocked unless allow-listed",
                                link: nil, inEffect: true, daysFromRun: 63, status: "in effect since 2026-10-01 (63 days ago)")]
        let (_, root) = try parsedJUnit(report)
        for suite in root.children("testsuite") {
            let props = suite.child("properties")?.children("property") ?? []
            #expect(props.contains { $0.attribute("name") == "notice" && $0.attribute("value")?.contains("EWS is blocked") == true })
            #expect(suite.child("system-out")?.text.contains("2026-10-01 [blocked] EWS is blocked") == true)
        }
    }
}
