import Conformance
import Foundation

/// Writes JUnit XML that CI servers accept (valid against Jenkins' junit-10.xsd): one
/// `testcase` per check result, failures as `failure`, harness errors as `error`, skips with
/// their reason, and the evidence summary in `system-out`.
public enum JUnitReportWriter {
    /// The report as JUnit XML.
    public static func render(_ report: RunReport) -> String {
        let s = report.summary
        // A wall clock stepped back during the run must not give a negative time (the XSD refuses it).
        let seconds = max(0, report.finishedAt.timeIntervalSince(report.startedAt))
        let failures = s.failed + s.unexpectedPasses
        let skipped = s.skipped + s.expectedFailures
        let time = String(format: "%.3f", seconds)
        let stamp = ISO8601DateFormatter().string(from: report.startedAt)
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuites name=\"ewscheck\" tests=\"\(s.total)\" failures=\"\(failures)\" errors=\"\(s.errored)\" time=\"\(time)\">\n"
        x += "  <testsuite name=\"\(escape("ewscheck: \(report.target.name)"))\" tests=\"\(s.total)\" failures=\"\(failures)\" errors=\"\(s.errored)\" skipped=\"\(skipped)\" time=\"\(time)\" timestamp=\"\(stamp)\" id=\"\(escape(report.runID))\">\n"
        x += "    <properties>\n"
        var props: [(String, String)] = [
            ("run_id", report.runID), ("ews_url", report.target.ewsURL), ("auth_scheme", report.target.authScheme),
            ("service_account", report.target.serviceAccount), ("request_version", report.target.requestVersion),
            ("tls.verify", String(report.tls.verify)), ("tls.insecure", String(report.tls.insecure)),
        ]
        if let server = report.server { props.append(("server.build", server.build)) }
        for w in report.warnings { props.append(("warning", w)) }
        for (name, value) in props {
            x += "      <property name=\"\(escape(name))\" value=\"\(escape(value))\"/>\n"
        }
        x += "    </properties>\n"
        for r in report.results {
            let t = String(format: "%.3f", r.durationMilliseconds / 1000)
            x += "    <testcase name=\"\(escape(r.displayName))\" classname=\"ewscheck.\(escape(r.id.area))\" time=\"\(t)\">\n"
            switch r.outcome {
            case .passed: break
            case .failed:
                x += "      <failure type=\"failed\" message=\"\(escape(r.message))\">\(escape(r.requirement))</failure>\n"
            case .unexpectedPass:
                x += "      <failure type=\"unexpected_pass\" message=\"\(escape(r.message))\">\(escape(r.requirement))</failure>\n"
            case .errored:
                x += "      <error type=\"errored\" message=\"\(escape(r.message))\">\(escape(r.requirement))</error>\n"
            case .skipped:
                x += "      <skipped type=\"skipped\" message=\"\(escape(r.message))\"/>\n"
            case .expectedFailure:
                x += "      <skipped type=\"expected_failure\" message=\"\(escape(r.message))\"/>\n"
            }
            var out = "\(r.outcome.label): \(r.message)\nrequirement: \(r.requirement)\n"
            for (k, v) in r.facts.sorted(by: { $0.key < $1.key }) { out += "\(k): \(v)\n" }
            if !r.evidence.isEmpty { out += "evidence: HTTP exchanges \(r.evidence.map(String.init).joined(separator: ", ")) in report.json\n" }
            x += "      <system-out>\(escape(out))</system-out>\n"
            x += "    </testcase>\n"
        }
        x += "  </testsuite>\n</testsuites>\n"
        return x
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default:
                let v = c.value
                if (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000 { out.unicodeScalars.append(c) }
            }
        }
        return out
    }
}
