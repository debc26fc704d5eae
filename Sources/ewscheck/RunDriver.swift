import ArgumentParser
import Conformance
import Dispatch
import EWSExecutor
import EWSTransport
import Foundation
import Synchronization
import Reports

/// Runs the suite with console progress, Ctrl-C handling and report writing; returns the exit code.
enum RunDriver {
    static func execute(target: TargetConfiguration, credentials: HTTPCredentials, reports: ReportOptions,
                        warnings: [String], knownDeviations: [CheckID: String] = [:], profile: RunProfile? = nil,
                        expiredAccessToken: Secret? = nil, selection: CheckSelection = CheckSelection(),
                        shard: ShardSelection? = nil, deadline: Date? = nil, resumption: RunResumption? = nil) async -> Int32 {
        let runID = reports.runID ?? RunOptions.makeRunID()
        var options = RunOptions(runID: runID, knownDeviations: knownDeviations, toolVersion: EWSCheck.version, profile: profile)
        options.selection = selection
        options.shard = shard
        options.deadline = deadline
        options.expiredAccessToken = expiredAccessToken
        let style = reports.consoleStyle()
        // With --json, standard output carries only the report; the console goes to standard error.
        let toStderr = reports.json
        let say: @Sendable (String) -> Void = { line in
            if toStderr { Console.err(line) } else { Console.out(line) }
        }
        let quiet = reports.quiet, verbose = reports.verbose
        // On a terminal, results that need no attention share one updating status line; problems
        // stay on lines of their own. Piped output (CI logs) keeps one plain line per result.
        let live = !toStderr && !verbose && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        let statusShown = Mutex(false)
        say("ewscheck \(EWSCheck.version) — run \(runID) against \(target.name) (\(target.ewsURL))"
            + (profile.map { "\nprofile: \($0.id) \($0.version) (\($0.source))" } ?? ""))
        if selection != CheckSelection() {
            let left = selection.deselected()
            var flags: [String] = []
            if !selection.only.isEmpty { flags.append("--only " + selection.only.joined(separator: ",")) }
            if !selection.skip.isEmpty { flags.append("--skip " + selection.skip.joined(separator: ",")) }
            if selection.readOnly { flags.append("--read-only") }
            if selection.failFast { flags.append("--fail-fast") }
            say("selection: \(flags.joined(separator: " ")); \(left.count) of \(CheckRegistry.definitions.count) checks left out (report.json selection.deselected says why)")
        }
        for notice in profile?.notices(relativeTo: Date()) ?? [] {
            say("notice: [\(notice.kind)] \(notice.summary) — \(notice.status)")
        }
        // The run folder exists from the start: the ledger of created items is written there as
        // the run goes, so even a killed run leaves a trace (`ewscheck cleanup` finds its items by tag).
        let runDirectory = reports.reportsDirectory + "/" + runID
        do {
            try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        } catch {
            Console.err("ewscheck: cannot create the run folder \(runDirectory): \(error.localizedDescription)")
            return ExitStatus.usage
        }
        options.ledgerPath = runDirectory + "/ledger.jsonl"
        options.journalPath = runDirectory + "/results.jsonl"
        options.evidencePath = runDirectory + "/evidence.jsonl"
        for note in resumption?.notes ?? [] { say(note) }
        let runner = SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings)
        // Ctrl-C, SIGTERM and a closed terminal (SIGHUP) all cancel the run, which still cleans up;
        // the handler is in place before the run starts and stays until the last report is written
        // and `latest` moved.
        let interrupts = InterruptHandler()
        defer { interrupts.stop() }
        let started = ContinuousClock.now
        let counter = Mutex(0)
        let total = Mutex<Int?>(nil)
        let task = Task {
            await runner.record(progress: { result in
                let n = counter.locked { $0 += 1; return $0 }
                let problem = [.failed, .errored, .unexpectedPass].contains(result.outcome)
                guard !quiet || problem else { return }
                let elapsed = ContinuousClock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let planned = total.locked { $0 }
                if live && !problem {
                    // A status line rewritten in place ("\r" + erase line), plain and cut to the
                    // terminal's width: a wrapped line could not be erased.
                    let plain = ConsoleReport.line(result, number: n, elapsed: seconds, style: .plain, total: planned)
                    Console.outRaw("\r\u{1B}[2K" + String(plain.prefix(max(20, Console.terminalColumns() - 1))))
                    statusShown.locked { $0 = true }
                } else {
                    let line = ConsoleReport.line(result, number: n, elapsed: seconds, style: style, total: planned)
                    // A problem replaces the status line and stays; the next result starts a new one.
                    if live { statusShown.locked { $0 = false }; Console.outRaw("\r\u{1B}[2K" + line + "\n") } else { say(line) }
                }
                if verbose { say("      (exchanges: \(result.evidence.map { "#\($0)" }.joined(separator: ", ")); `ewscheck report show \(runID) \(result.displayName)` prints them)") }
            }, planned: { count in total.locked { $0 = count } })
        }
        interrupts.arm { task.cancel() }
        // The run's results and exchanges are in its journal and evidence spool; the reports are
        // written from them one result and one exchange at a time.
        var source = ReportSource(await task.value)
        if let resumption {
            do {
                source = try resumption.merged(into: source)
            } catch {
                // The new run's own results are still written; the carried-over ones are not lost either.
                source.header.warnings.append("the results of run \(resumption.previousRunID) could not be joined to this run (\(error)); they stay in its folder")
            }
        }
        source = reports.evidencePolicy.apply(to: source)
        let report = source.header
        // The last status line ends before the summary.
        if statusShown.locked({ $0 }) { Console.outRaw("\n") }
        let written: ReportStore.Written
        do {
            written = try ReportStore(root: reports.reportsDirectory).write(source)
            try reports.writeCopies(written)
        } catch {
            Console.out(ConsoleReport.summary(report, written: nil))
            Console.err("ewscheck: could not write the reports under \(reports.reportsDirectory): \(error.localizedDescription)")
            return ExitStatus.incomplete
        }
        if reports.json { Console.copyToStandardOutput(file: written.json, then: Data("\n".utf8)) }
        if !quiet { say(ConsoleReport.summary(report, written: written)) }
        for line in ConsoleReport.recap(source, style: style) { say(line) }
        say(ConsoleReport.verdict(report, style: style))
        return Int32(report.exitCode)
    }
}

/// First Ctrl-C (or SIGTERM, or SIGHUP from a closed terminal) cancels the run so it can clean up
/// and write its reports; a second one exits at once. The signals are caught from the moment the
/// handler exists; the action can be armed later and runs at once if a signal came before.
final class InterruptHandler: Sendable {
    private struct State {
        var count = 0
        var action: (@Sendable () -> Void)?
        var stopped = false
    }
    /// Dispatch sources are thread-safe objects (handlers, resume and cancel may be called from any
    /// thread); the array itself never changes after init.
    private struct Sources: @unchecked Sendable { let all: [any DispatchSourceSignal] }
    private let state = Mutex(State())
    private let sources: Sources
    private let message: String

    init(message: String = "interrupted; cleaning up created items and writing reports (interrupt again to quit at once)",
         onFirst: (@Sendable () -> Void)? = nil) {
        self.message = message
        state.locked { $0.action = onFirst }
        let signals = [SIGINT, SIGTERM, SIGHUP]
        for sig in signals { signal(sig, SIG_IGN) }
        sources = Sources(all: signals.map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) })
        for source in sources.all {
            source.setEventHandler { [self] in fire() }
            source.resume()
        }
    }

    /// Sets what the first signal does; runs it now if a signal already came.
    func arm(_ action: @escaping @Sendable () -> Void) {
        let already = state.locked { s -> Bool in
            s.action = action
            return s.count > 0
        }
        if already { action() }
    }

    private func fire() {
        let (n, action) = state.locked { s -> (Int, (@Sendable () -> Void)?) in
            s.count += 1
            return (s.count, s.action)
        }
        if n == 1 {
            Console.err("ewscheck: \(message)")
            action?()
        } else {
            exit(ExitStatus.interrupted)
        }
    }

    func stop() {
        let first = state.locked { s -> Bool in
            defer { s.stopped = true }
            return !s.stopped
        }
        guard first else { return }
        for source in sources.all { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        signal(SIGHUP, SIG_DFL)
    }
}
