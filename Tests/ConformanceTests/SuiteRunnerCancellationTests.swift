@testable import Conformance
import EWSExecutor
import EWSSimulator
import Foundation
import Synchronization
import Testing

/// Cancels a run's task from inside its own progress callback, whichever comes first: the
/// request to cancel or the task handle.
final class RunCanceller: Sendable {
    private struct State {
        var task: Task<RunReport, any Error>?
        var requested = false
    }
    private let state = Mutex(State())

    func attach(_ task: Task<RunReport, any Error>) {
        state.locked { s in
            s.task = task
            if s.requested { task.cancel() }
        }
    }

    func cancel() {
        state.locked { s in
            s.requested = true
            s.task?.cancel()
        }
    }

    var wasRequested: Bool { state.locked { $0.requested } }
}

@Suite("SuiteRunner when the run is cancelled")
struct SuiteRunnerCancellationTests {
    @Test("cancelling after the first voicemail is delivered interrupts the run, and cleanup still removes everything")
    func cancelAfterFirstDelivery() async throws {
        try await LiveSimulator.with { simulator in
            let canceller = RunCanceller()
            let target = TargetConfiguration.simulated(simulator)
            let password = simulator.serviceAccountPassword
            let task = Task {
                try await runSuite(target, password: password) { result in
                    if result.id == CheckCatalog.voicemailDeliver { canceller.cancel() }
                }
            }
            canceller.attach(task)
            let report = try await task.value

            #expect(canceller.wasRequested, "no voicemail.deliver result arrived")
            #expect(report.interrupted)
            #expect(report.exitCode == 130)
            #expect(report.cleanup.created >= 1)
            #expect(report.cleanup.removed == report.cleanup.created)
            #expect(report.cleanup.leftover.isEmpty)
            #expect(simulator.tenant.allItems().isEmpty, "left in the tenant: \(simulator.tenant.allItems())")

            // The mailbox whose delivery triggered the cancel cannot have started its readback.
            let interrupted = report.results.filter { $0.outcome == .skipped && $0.message.contains("interrupted") }
            #expect(!interrupted.isEmpty, "no check was skipped because of the interruption")
            #expect(interrupted.contains { $0.id == CheckCatalog.voicemailReadback })
            // The schema validation comes after the cleanup but, unlike it, is not run after an interruption.
            #expect(interrupted.contains { $0.id == CheckCatalog.schemaResponsesValid })
            let cleanup = try report.result(CheckCatalog.cleanupComplete)
            #expect(cleanup.outcome == .passed, "\(cleanup.message)")
            #expect(cleanup.message.contains("by the final cleanup"), "\(cleanup.message)")
        }
    }
}
