/// The result of one check, as a value.
package enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// The provider does what the requirement says.
    case passed
    /// The provider does not (non-conformance).
    case failed
    /// It failed, and the profile lists this as a known deviation.
    case expectedFailure = "expected_failure"
    /// It passed although listed as a known deviation: the list is stale, which counts as a failure.
    case unexpectedPass = "unexpected_pass"
    /// Not run, with a reason (a dependency failed, nothing configured to test).
    case skipped
    /// The harness could not tell (its own failure, an unreadable answer).
    case errored

    /// The console label.
    package var label: String {
        switch self {
        case .passed: return "PASS"
        case .failed: return "FAIL"
        case .expectedFailure: return "XFAIL"
        case .unexpectedPass: return "XPASS"
        case .skipped: return "SKIP"
        case .errored: return "ERROR"
        }
    }

    /// Whether checks that depend on this one may run.
    package var satisfiesDependents: Bool { self == .passed || self == .unexpectedPass }
}
