@testable import Conformance
import EWSProtocol
import EWSSimulator
import EWSTransport
import Foundation
import Testing

/// Folders the contact-center checks create are found again by their run marker after a killed
/// run, removed with their items when every item carries the run's tag, and left alone otherwise.
@Suite("Scratch folders left by a killed run")
struct ScratchFolderSweepTests {
    @Test("ewscheck cleanup removes a run's leftover folder with its tagged items, and leaves other runs' and doubtful folders alone")
    func cleanupRemovesLeftoverFolders() async throws {
        try await LiveSimulator.with { simulator in
            let target = TargetConfiguration.simulated(simulator)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [passwordVariable: simulator.serviceAccountPassword], warnings: &warnings)
            let transport = HTTPTransport(configuration: target.transportConfiguration(credentials: credentials))
            let client = EWSClient(transport: transport, configuration: .init(url: target.ewsURL))
            let mailbox = simulator.mailboxesInScope[0]
            let me = ConnectingSID.primarySmtpAddress(mailbox)
            func folder(_ name: String, itemTag: String?) async throws {
                let made = await client.perform(CreateFolder(parent: .inbox, displayName: name), impersonating: me)
                let id = try #require(made.messages.first?.payload?.id, "\(made.summary)")
                if let itemTag {
                    let item = await client.perform(CreateMessage(folder: .id(id, changeKey: nil), subject: "in \(name)", body: "x",
                                                                  extendedProperties: itemTag.isEmpty ? [] : [(RunTag.property, itemTag)]), impersonating: me)
                    #expect(item.messages.first?.responseClass == .success, "\(item.summary)")
                }
            }
            try await folder("ewscheck routing move [ewscheck run-a]", itemTag: "run-a")
            try await folder("ewscheck message waiting [ewscheck run-a]", itemTag: nil)
            try await folder("ewscheck routing copy [ewscheck run-b]", itemTag: "run-b")
            try await folder("ewscheck routing copy [ewscheck run-a] ", itemTag: "run-a")  // not a name the checks give
            try await folder("Customers [ewscheck run-a]", itemTag: "run-a")                // a user's folder
            try await folder("ewscheck routing move [ewscheck run-a]x", itemTag: nil)
            transport.shutdown()

            let report = await LeftoverCleanup(target: target, credentials: credentials, selection: .run("run-a")).run()
            let entry = try #require(report.mailboxes.first { $0.mailbox == mailbox })
            #expect(Set(entry.confirmed.map(\.subject)) == ["folder \"ewscheck routing move [ewscheck run-a]\"", "folder \"ewscheck message waiting [ewscheck run-a]\""])
            #expect(entry.confirmed.allSatisfy { $0.removed })
            #expect(entry.left == 0)
            let left = Set(simulator.tenant.allItems().map(\.folder))
            #expect(left == ["ewscheck routing copy [ewscheck run-b]", "ewscheck routing copy [ewscheck run-a] ", "Customers [ewscheck run-a]"])
        }
    }

    @Test("a folder with the run's marker holding an item without the run's tag is left alone and named")
    func untaggedContentsKeepTheFolder() async throws {
        try await LiveSimulator.with { simulator in
            let target = TargetConfiguration.simulated(simulator)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [passwordVariable: simulator.serviceAccountPassword], warnings: &warnings)
            let transport = HTTPTransport(configuration: target.transportConfiguration(credentials: credentials))
            let client = EWSClient(transport: transport, configuration: .init(url: target.ewsURL))
            let mailbox = simulator.mailboxesInScope[0]
            let me = ConnectingSID.primarySmtpAddress(mailbox)
            let name = "ewscheck routing move [ewscheck run-a]"
            let made = await client.perform(CreateFolder(parent: .inbox, displayName: name), impersonating: me)
            let id = try #require(made.messages.first?.payload?.id)
            let item = await client.perform(CreateMessage(folder: .id(id, changeKey: nil), subject: "a user's message", body: "x"), impersonating: me)
            #expect(item.messages.first?.responseClass == .success)
            transport.shutdown()

            let report = await LeftoverCleanup(target: target, credentials: credentials, selection: .run("run-a")).run()
            let entry = try #require(report.mailboxes.first { $0.mailbox == mailbox })
            #expect(entry.confirmed.isEmpty)
            #expect(entry.problems.contains { $0.contains("holds 1 item(s) without a matching run tag; left alone") }, "\(entry.problems)")
            #expect(simulator.tenant.allItems().map(\.subject) == ["a user's message"])
        }
    }
}
