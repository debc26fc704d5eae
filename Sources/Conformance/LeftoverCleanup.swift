import EWSProtocol
import EWSTransport
import Foundation

/// `ewscheck cleanup`: finds the items earlier runs left behind (a run killed with SIGKILL, a
/// machine that lost power) by their run tag in every mailbox of a target, confirms each tag with
/// GetItem, removes them and proves the removal.
package struct LeftoverCleanup: Sendable {
    /// What was done, per mailbox.
    package struct Report: Sendable, Codable {
        /// One mailbox.
        package struct Mailbox: Sendable, Codable {
            /// The address.
            package var mailbox: String
            /// Items the provider's filter returned.
            package var candidates: Int
            /// Items whose tag was confirmed, with the run that made each.
            package var confirmed: [Item]
            /// Confirmed items proven removed (none in a dry run).
            package var removed: Int
            /// Confirmed items still there.
            package var left: Int
            /// Candidates whose tag did not match when read back (left alone).
            package var rejectedByReadback: Int
            /// Problems met.
            package var problems: [String]
        }
        /// A tagged item.
        package struct Item: Sendable, Codable {
            /// The run id in its tag.
            package var runID: String
            /// Its subject.
            package var subject: String
            /// Whether it was removed.
            package var removed: Bool
        }
        /// What was asked for (`run 2026…`, `older than …`, `any run`).
        package var selection: String
        /// Whether nothing was deleted on purpose.
        package var dryRun: Bool
        /// Per mailbox.
        package var mailboxes: [Mailbox]

        /// Confirmed items in all mailboxes.
        package var confirmed: Int { mailboxes.reduce(0) { $0 + $1.confirmed.count } }
        /// Removed items in all mailboxes.
        package var removed: Int { mailboxes.reduce(0) { $0 + $1.removed } }
        /// Confirmed items still there.
        package var left: Int { mailboxes.reduce(0) { $0 + $1.left } }
        /// Whether some mailbox could not be searched or cleaned.
        package var hadProblems: Bool { mailboxes.contains { !$0.problems.isEmpty } }

        /// The exit code: 0 nothing left (or a clean dry run), 1 tagged items could not be
        /// removed, 2 a mailbox could not be searched (the harness cannot tell what is left).
        package var exitCode: Int32 {
            if !dryRun && left > 0 { return ExitStatus.checkFailed }
            if hadProblems { return ExitStatus.incomplete }
            return ExitStatus.success
        }
    }

    /// The target.
    package let target: TargetConfiguration
    /// The service account's credentials.
    package let credentials: HTTPCredentials
    /// Which tags to take.
    package let selection: LeftoverSweep.Selection
    /// The distinguished folders searched.
    package let folders: [String]
    /// Find and confirm only.
    package let dryRun: Bool
    /// The provider profile (headers, request version, OAuth settings).
    package let profile: RunProfile?

    /// Creates a cleanup.
    package init(target: TargetConfiguration, credentials: HTTPCredentials, selection: LeftoverSweep.Selection,
                folders: [String] = ["inbox"], dryRun: Bool = false, profile: RunProfile? = nil) {
        self.target = target
        self.credentials = credentials
        self.selection = selection
        self.folders = folders
        self.dryRun = dryRun
        self.profile = profile
    }

    /// Sweeps every mailbox of the target; `progress` sees each mailbox as it is done.
    package func run(progress: @escaping @Sendable (Report.Mailbox) -> Void = { _ in }) async -> Report {
        let oauth = await OAuthTokenCheck.acquire(for: target, profile: profile)
        var selectionText: String
        switch selection {
        case .run(let id): selectionText = "run \(id)"
        case .olderThan(let date): selectionText = "runs started before \(ISO8601DateFormatter().string(from: date))"
        case .any: selectionText = "any run"
        }
        if let oauth, oauth.verdict.outcome != .passed {
            let mailboxes = target.mailboxes.map {
                Report.Mailbox(mailbox: $0, candidates: 0, confirmed: [], removed: 0, left: 0, rejectedByReadback: 0,
                               problems: ["no access token: \(oauth.verdict.message)"])
            }
            return Report(selection: selectionText, dryRun: dryRun, mailboxes: mailboxes)
        }
        var settings = target.transportConfiguration(credentials: oauth?.credentials ?? credentials, connections: max(1, min(target.concurrency, 8)))
        settings.bearerTokenSource = oauth?.tokenSource
        let transport = HTTPTransport(configuration: settings)
        defer { transport.shutdown() }
        defer { if let source = oauth?.tokenSource { Task { await source.shutdown() } } }
        let version = target.requestVersionIsExplicit ? target.requestVersion : (profile?.requestVersion ?? target.requestVersion)
        let client = EWSClient(transport: transport, configuration: .init(url: target.ewsURL, requestVersion: version,
                                                                          extraHeaders: profile?.extraHeaders ?? [],
                                                                          requestAdjuster: profile?.requestAdjuster))
        let sweep = LeftoverSweep(client: client, selection: selection, folders: folders, dryRun: dryRun)
        var results: [Report.Mailbox] = []
        for mailbox in target.mailboxes {
            let r = await sweep.sweep(mailbox: mailbox)
            let removed = Set(r.removed.map(\.identifier.id))
            // Folders the contact-center checks create go too, with what is in them (listed as items).
            let f = await ScratchFolderSweep(client: client, selection: selection, dryRun: dryRun).sweep(mailbox: mailbox, as: .primarySmtpAddress(mailbox))
            let entry = Report.Mailbox(
                mailbox: mailbox, candidates: r.candidates,
                confirmed: r.confirmed.map { Report.Item(runID: $0.value ?? "", subject: $0.subject ?? "", removed: removed.contains($0.identifier.id)) }
                    + f.confirmed.map { Report.Item(runID: $0.runID, subject: "folder \"\($0.name)\"", removed: $0.removed) },
                removed: r.removed.count + f.confirmed.filter(\.removed).count, left: dryRun ? 0 : r.notRemoved.count + f.left.count,
                rejectedByReadback: r.rejectedByReadback, problems: r.problems + f.problems)
            progress(entry)
            results.append(entry)
        }
        return Report(selection: selectionText, dryRun: dryRun, mailboxes: results)
    }
}
