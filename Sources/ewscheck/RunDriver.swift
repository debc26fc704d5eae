import ArgumentParser
import Conformance
import Dispatch
import EWSTransport
import Foundation
import Reports

/// Carries credentials across a throwing scope without exposing them.
struct HTTPCredentialsBox {
    let value: HTTPCredentials
    init(_ value: HTTPCredentials) { self.value = value }
}

/// Runs the suite with console progress, Ctrl-C handling and report writing; returns the exit code.
enum RunDriver {
    static func execute(target: TargetConfiguration, credentials: HTTPCredentials, reports: ReportOptions,
                        warnings: [String], knownDeviations: [CheckID: String] = [:], profile: RunProfile? = nil,
                        expiredAccessToken: Secret? = nil) async -> Int32 {
        let runID = reports.runID ?? RunOptions.makeRunID()
        var options = RunOptions(runID: runID, knownDeviations: knownDeviations, toolVersion: EWSCheck.version, profile: profile)
        options.expiredAccessToken = expiredAccessToken
        let runner = SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings)
        Console.out("ewscheck \(EWSCheck.version) — run \(runID) against \(target.name) (\(target.ewsURL))"
                    + (profile.map { "\nprofile: \($0.id) \($0.version) (\($0.source))" } ?? ""))
        for notice in profile?.notices(relativeTo: Date()) ?? [] {
            Console.out("notice: [\(notice.kind)] \(notice.summary) — \(notice.status)")
        }
        let task = Task { await runner.run { Console.out(ConsoleReport.line($0)) } }
        let interrupts = InterruptHandler { task.cancel() }
        let report = await task.value
        interrupts.stop()
        let written: ReportStore.Written
        do {
            written = try ReportStore(root: reports.reportsDirectory).write(report)
        } catch {
            Console.out(ConsoleReport.summary(report, written: nil))
            Console.err("ewscheck: could not write the reports under \(reports.reportsDirectory): \(error.localizedDescription)")
            return ExitStatus.incomplete
        }
        Console.out(ConsoleReport.summary(report, written: written))
        return Int32(report.exitCode)
    }
}

/// First Ctrl-C (or SIGTERM) cancels the run so it can clean up and write its reports; a second
/// one exits at once.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let lock = NSLock()
    private var count = 0

    init(message: String = "interrupted; cleaning up created items and writing reports (interrupt again to quit at once)",
         onFirst: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                let n = lock.withLock { () -> Int in
                    count += 1
                    return count
                }
                if n == 1 {
                    Console.err("ewscheck: \(message)")
                    onFirst()
                } else {
                    exit(ExitStatus.interrupted)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
