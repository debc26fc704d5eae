import EWSProtocol
import EWSTransport
import Foundation
import ProviderManifest

/// What a provider profile changes about a run: the request version, headers and concurrency it
/// needs, the known deviations (strict expected failures) and the dated readiness facts.
package struct RunProfile: Sendable {
    /// The profile id.
    package var id: String
    /// Its display name.
    package var name: String
    /// "the ID profile" for messages; "the provider profile" when the id is empty.
    package var phrase: String { id.isEmpty ? "the provider profile" : "the \(id) profile" }
    /// Its version.
    package var version: String
    /// Where it came from (a plugin path or a manifest file).
    package var source: String
    /// The manifest itself.
    package var manifest: ProviderManifest
    /// The plugin's `adjust_request` hook, bridged by the host; nil when the profile has none.
    package var requestAdjuster: EWSClient.RequestAdjuster?
    /// The plugin's `classify_response` hook: may turn a failed or errored check into another
    /// outcome for a hoster's odd but acceptable answer; nil when the profile has none.
    package var responseClassifier: (@Sendable (ClassifyResponseInput) -> ClassifyResponseOutput?)?
    /// The plugin's `discover_endpoint` hook (discovery method `plugin-hook`); nil when none.
    package var endpointDiscoverer: (@Sendable (DiscoverEndpointInput) -> DiscoverEndpointOutput?)?
    /// The plugin's `acquire_token` hook: gets the access token instead of the standard client
    /// credentials request; nil when none.
    package var tokenAcquirer: (@Sendable (AcquireTokenInput) -> AcquireTokenOutput?)?
    /// Problems the plugin's hooks had during the run (read when the report is written).
    package var hookDiagnostics: @Sendable () -> [String] = { [] }
    /// Takes a problem a hook had that the run core found (a hook over its time budget), to be
    /// listed with ``hookDiagnostics``.
    package var reportHookProblem: @Sendable (String) -> Void = { _ in }
    /// How long the run waits for one hook call before it goes on without the plugin's hooks.
    package var hookBudget: Duration = RunProfile.defaultHookBudget
    /// The default hook time budget: 5 s (`EWSCHECK_HOOK_BUDGET_MS`), as `plugins verify` allows each hook.
    package static let defaultHookBudget: Duration = .seconds(5)
    /// Closed when a hook overran its budget: no hook of this profile is called again.
    package let hookGate = HookGate()

    /// Creates a run profile from a validated manifest.
    package init(manifest: ProviderManifest, source: String) {
        id = manifest.id
        name = manifest.name
        version = manifest.version
        self.source = source
        self.manifest = manifest
    }

    /// `RequestServerVersion` the profile asks for.
    package var requestVersion: ExchangeVersion { ExchangeVersion(manifest.ews.requestServerVersion) }

    /// Fixed extra headers.
    package var extraHeaders: [HTTPHeader] {
        manifest.ews.extraHeaders.sorted { $0.key < $1.key }.map { HTTPHeader($0.key, $0.value) }
    }

    /// Known deviations by check id.
    package var knownDeviations: [CheckID: String] {
        Dictionary(manifest.knownDeviations.map { (CheckID($0.check), $0.reason + ($0.link.map { " <\($0)>" } ?? "")) },
                   uniquingKeysWith: { first, _ in first })
    }

    /// The profile scheme name of the target's authentication.
    static func schemeName(_ target: TargetConfiguration) -> String {
        target.serviceAccount.auth == .oauth2 ? "oauth2-client-credentials" : target.serviceAccount.auth.rawValue
    }

    /// Why `target` cannot be certified against this profile at all: its auth scheme is one the
    /// profile refuses. Named before the run (exit 64); nil when it is not refused.
    package func refusedScheme(of target: TargetConfiguration) -> String? {
        let scheme = Self.schemeName(target)
        guard manifest.auth.refusedSchemes.contains(scheme) else { return nil }
        return "the target authenticates with \(scheme), which \(phrase) refuses (auth.refused_schemes): profile and target do not fit"
    }

    /// Why `target` does not fit this profile (a refused scheme, or one the profile does not list
    /// as accepted); nil when they fit. The run warns about it.
    package func targetMismatch(_ target: TargetConfiguration) -> String? {
        let scheme = Self.schemeName(target)
        if let refused = refusedScheme(of: target) { return refused }
        if !manifest.auth.schemes.contains(scheme) {
            return "the target authenticates with \(scheme), but \(phrase) accepts only \(manifest.auth.schemes.joined(separator: ", "))"
        }
        return nil
    }

    /// The minimum server build as numbers (`15.1.2507` → [15, 1, 2507]).
    package var minimumServerBuild: [Int]? {
        manifest.ews.minimumServerVersion.map { $0.split(separator: ".").compactMap { Int($0) } }
    }

    /// The readiness notices, dated relative to `now`.
    package func notices(relativeTo now: Date) -> [RunReport.Notice] {
        manifest.readinessNotices.compactMap { n in
            guard let day = ProviderManifest.day(n.date) else { return nil }
            let days = Int((now.timeIntervalSince(day) / 86400).rounded(.down))
            let when: String
            if days > 0 {
                when = "in effect since \(n.date) (\(days) day\(days == 1 ? "" : "s") ago)"
            } else if days == 0 {
                when = "takes effect today (\(n.date))"
            } else {
                when = "takes effect on \(n.date) (in \(-days) day\(days == -1 ? "" : "s"))"
            }
            return RunReport.Notice(id: n.id, date: n.date, kind: n.kind, summary: n.summary, link: n.link,
                                    inEffect: days >= 0, daysFromRun: days, status: when)
        }.sorted { $0.date < $1.date }
    }
}
