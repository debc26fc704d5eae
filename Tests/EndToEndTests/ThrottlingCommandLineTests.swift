import EWSTestSupport
import Foundation
import Testing

/// `--concurrency` on `run` and `demo`, and the simulator's throttling options, through the binary.
@Suite("Throttling and width on the command line")
struct ThrottlingCommandLineTests {
    @Test func badWidthAndThrottlingOptionsAreUsageErrors() throws {
        for (args, text) in [(["run", "--target", "/nonexistent.yaml", "--concurrency", "0"], "--concurrency must be a whole number from 1 to 64"),
                             (["demo", "--concurrency", "65"], "--concurrency must be a whole number from 1 to 64"),
                             (["demo", "--throttling", "maybe"], "--throttling takes on or off"),
                             (["demo", "--throttling", "off", "--ews-max-concurrency", "3"], "--throttling off leaves no policy"),
                             (["demo", "--budget-holder", "everyone"], "--budget-holder takes target-mailbox or caller"),
                             (["simulate", "--cpu-window-ms", "0"], "--cpu-window-ms must be")] {
            let r = try CommandLineTests.run(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(text), "\(args): \(r.stderr)")
        }
    }

    /// A throttling demo with a width above the provider's EWSMaxConcurrency: the run passes, the
    /// console names the throttling, and report.json records the width's lowerings and the waits.
    @Test func aThrottledDemoPassesAndItsReportRecordsTheWidth() throws {
        let dir = try Fixtures.temporaryDirectory("e2e-throttled-demo")
        let r = try CommandLineTests.run(["demo", "--mailboxes", "12", "--concurrency", "12", "--throttling", "on", "--budget-holder", "caller",
                                          "--ews-max-concurrency", "3", "--state-dir", dir + "/state", "--reports-dir", dir + "/reports",
                                          "--run-id", "throttled"], timeout: 240)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("throttling on: EWSMaxConcurrency 3 per caller"), "\(r.stdout.prefix(600))")
        #expect(r.stdout.contains("throttling: ") && r.stdout.contains("ErrorExceededConnectionCount ×"), "\(r.stdout.suffix(1200))")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/reports/throttled/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let throttling = try #require(report["throttling"] as? [String: Any])
        #expect(throttling["configured_width"] as? Int == 12 && throttling["start_width"] as? Int == 12)
        #expect(((throttling["lowerings"] as? [Any])?.count ?? 0) > 0)
        #expect((throttling["lowest_width"] as? Int ?? 99) <= 3)
        #expect((report["warnings"] as? [String])?.contains("--concurrency 12 overrides the target file's concurrency (4)") == true)
    }
}
