package import EWSExecutor
import Synchronization

/// Whether a run profile's hooks may still be called: closed for good when one overran its budget.
/// Shared by every copy of the profile (a class), so it lasts exactly as long as the run's profile.
package final class HookGate: Sendable {
    private let closed = Mutex(false)

    package init() {}

    /// Whether hooks may be called.
    package var isOpen: Bool { !closed.locked { $0 } }

    /// Closes the gate; true for the call that closed it.
    package func close() -> Bool {
        closed.locked { closed in
            defer { closed = true }
            return !closed
        }
    }
}

/// Where a profile's plugin hooks run: the blocking executor, never Swift's cooperative pool (a hook
/// is foreign code that may block; two blocked hooks would stall every task of the run on a 2-core
/// machine), and within the profile's time budget. Every hook call of a run goes through ``call``.
///
/// A hook that overruns its budget cannot be stopped (it is code in this process); the run stops
/// waiting, treats it as "not handled", reports it once, and calls no hook of that plugin again.
package enum HookExecutor {
    /// The executor's label for hook calls.
    package static let label = "plugin-hook"

    /// Whether the caller runs on the blocking executor (for tests and assertions).
    package static var isCurrent: Bool { BlockingExecutor.shared.isCurrent }

    /// Runs hook `hook` of `profile` on the blocking executor and returns its answer; nil when the hook
    /// answered nil, or did not answer within the profile's ``RunProfile/hookBudget``.
    package static func call<T: Sendable>(_ hook: String, _ profile: RunProfile?,
                                          _ body: @escaping @Sendable () -> T?) async -> T? {
        guard profile?.hookGate.isOpen ?? true else { return nil }
        let budget = profile?.hookBudget ?? RunProfile.defaultHookBudget
        switch await BlockingExecutor.shared.run(label, budget: budget, body) {
        case .some(let answer):
            return answer
        case .none:
            if profile?.hookGate.close() ?? false {
                profile?.reportHookProblem("plugin \(profile?.id ?? ""): \(hook) did not answer within \(budget) (the hook time budget); the run went on without it and calls none of the plugin's hooks again")
            }
            return nil
        }
    }
}
