import ArgumentParser
import Conformance

/// Opt-in authentication checks that could lock an account or need a second look.
struct AuthCheckOptions: ParsableArguments {
    @Flag(name: .customLong("must-fail-auth"), help: "Also run the must-fail auth checks (auth.must-fail.*): one wrong-password attempt for basic/ntlm targets (only one per run, for lockout safety); an app-only token without impersonation and an expired token for oauth2 targets. Same as must_fail_auth: true in the target file.")
    var mustFailAuth = false

    func apply(to target: inout TargetConfiguration) {
        if mustFailAuth { target.mustFailAuth = true }
    }
}
