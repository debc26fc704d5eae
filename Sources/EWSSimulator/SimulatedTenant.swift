private import EWSExecutor
import Foundation
import Synchronization

/// The simulated organisation: its directory, its mailboxes and who may impersonate whom.
/// Thread-safe; tests inspect it to prove what a run left behind.
package final class SimulatedTenant: Sendable {
    /// A summary of one item, for inspection.
    package struct ItemSummary: Sendable, Hashable {
        /// The mailbox (primary SMTP).
        package var mailbox: String
        /// The folder's display name.
        package var folder: String
        /// The item id.
        package var id: String
        /// The item class.
        package var itemClass: String
        /// The subject.
        package var subject: String
        /// The attachment names.
        package var attachmentNames: [String]
    }

    /// The DNS domain (`contoso.com`).
    package let domain: String
    /// The NetBIOS domain (`CONTOSO`).
    package let netbiosDomain: String
    let ids = IDFactory()
    let subscriptions = SubscriptionRegistry()
    private struct State {
        var users: [SimulatedUser] = []
        /// Indexes into `users` (a tenant may have thousands): by primary SMTP, by any SMTP, UPN and SID.
        var byPrimary: [String: Int] = [:]
        var byAnySmtp: [String: Int] = [:]
        var byUPN: [String: Int] = [:]
        var bySID: [String: Int] = [:]
        var grants: [String: ImpersonationScope] = [:]
        var stores: [String: MailboxStore] = [:]
        var groups: [DistributionGroup] = []
    }

    private let state = Mutex(State())
    /// Tests waiting for the mailboxes to change (``waitForStores(timeout:until:)``).
    private let storeChanges = StateWaiters<Void>()

    /// Creates an empty tenant.
    package init(domain: String, netbiosDomain: String) {
        self.domain = domain.lowercased()
        self.netbiosDomain = netbiosDomain.uppercased()
    }

    /// Adds a user (and its mailbox, if it has one).
    package func add(_ user: SimulatedUser) {
        state.locked { t in
            let index = t.users.count
            t.users.append(user)
            // The first user with a key keeps it, as the linear search this replaces did.
            if t.byPrimary[user.primarySmtpAddress] == nil { t.byPrimary[user.primarySmtpAddress] = index }
            for smtp in [user.primarySmtpAddress] + user.proxyAddresses where t.byAnySmtp[smtp] == nil { t.byAnySmtp[smtp] = index }
            if t.byUPN[user.userPrincipalName] == nil { t.byUPN[user.userPrincipalName] = index }
            if t.bySID[user.sid.uppercased()] == nil { t.bySID[user.sid.uppercased()] = index }
            if user.hasMailbox { t.stores[user.primarySmtpAddress] = MailboxStore(owner: user.primarySmtpAddress, ids: ids) }
        }
    }

    /// Adds a distribution group or room list.
    package func add(_ group: DistributionGroup) {
        state.locked { t in t.groups.append(group) }
    }

    /// Every distribution group and room list, in the order added.
    package var allGroups: [DistributionGroup] { state.locked { t in t.groups } }

    /// The group with this address.
    package func group(smtp: String) -> DistributionGroup? {
        let s = smtp.lowercased()
        return state.locked { t in t.groups.first { $0.primarySmtpAddress == s } }
    }

    /// The users a set of addresses reaches: users as they are, groups expanded (nested ones
    /// too, each once).
    func recipients(_ addresses: [String]) -> [SimulatedUser] {
        var seen = Set<String>()
        var result: [SimulatedUser] = []
        var queue = addresses.map { $0.lowercased() }
        while !queue.isEmpty {
            let address = queue.removeFirst()
            guard seen.insert(address).inserted else { continue }
            if let group = group(smtp: address) {
                queue += group.members
            } else if let user = user(anySmtp: address), !result.contains(where: { $0.primarySmtpAddress == user.primarySmtpAddress }) {
                result.append(user)
            }
        }
        return result
    }

    /// Grants `ApplicationImpersonation` to `account` over `scope`.
    package func grantImpersonation(to account: String, scope: ImpersonationScope) {
        state.locked { t in t.grants[account.lowercased()] = scope }
    }

    /// Every user, in the order added.
    package var allUsers: [SimulatedUser] { state.locked { t in t.users } }

    /// The user with this primary SMTP address.
    package func user(primarySmtp smtp: String) -> SimulatedUser? {
        let s = smtp.lowercased()
        return state.locked { t in t.byPrimary[s].map { t.users[$0] } }
    }

    /// The user with this address among primary and proxy addresses.
    package func user(anySmtp smtp: String) -> SimulatedUser? {
        let s = smtp.lowercased()
        return state.locked { t in t.byAnySmtp[s].map { t.users[$0] } }
    }

    /// The user with this UPN.
    package func user(principalName upn: String) -> SimulatedUser? {
        let s = upn.lowercased()
        return state.locked { t in t.byUPN[s].map { t.users[$0] } }
    }

    /// The user with this SID.
    package func user(sid: String) -> SimulatedUser? {
        let s = sid.uppercased()
        return state.locked { t in t.bySID[s].map { t.users[$0] } }
    }

    /// Finds the account a sign-in name means: `user@domain` (UPN or SMTP), `DOMAIN\user` or `user`.
    package func account(signInName name: String, domain explicitDomain: String? = nil) -> SimulatedUser? {
        var user = name
        var domain = explicitDomain ?? ""
        if let slash = name.firstIndex(of: "\\") {
            domain = String(name[..<slash])
            user = String(name[name.index(after: slash)...])
        }
        let lower = user.lowercased()
        let d = domain.lowercased()
        guard d.isEmpty || d == netbiosDomain.lowercased() || d == self.domain else { return nil }
        return state.locked { t in
            t.users.first {
                $0.userPrincipalName == lower || $0.primarySmtpAddress == lower || $0.samAccountName.lowercased() == lower
            }
        }
    }

    /// Checks a password sign-in.
    package func authenticate(signInName: String, password: String) -> SimulatedUser? {
        guard let user = account(signInName: signInName), let expected = user.password else { return nil }
        return constantTimeEqual(Array(expected.utf8), Array(password.utf8)) ? user : nil
    }

    /// The impersonation scope granted to an account, if any.
    package func impersonationScope(of account: SimulatedUser) -> ImpersonationScope? {
        state.locked { t in t.grants[account.primarySmtpAddress] }
    }

    /// Every item in every mailbox.
    package func allItems() -> [ItemSummary] {
        state.locked { t in
            t.stores.values.flatMap { store in
                store.items.values.map { item in
                    ItemSummary(mailbox: store.owner, folder: store.folders[item.folderID]?.displayName ?? "?",
                                id: item.id, itemClass: item.itemClass, subject: item.subject,
                                attachmentNames: item.attachments.map(\.name))
                }
            }.sorted { ($0.mailbox, $0.id) < ($1.mailbox, $1.id) }
        }
    }

    /// Waits until `condition` holds for the tenant, checked now and after each change to a mailbox
    /// store: true, or false after `timeout`. What tests wait on for something the simulator does
    /// later by itself (a delayed delivery), instead of polling.
    @discardableResult
    package func waitForStores(timeout: Duration = .seconds(30), until condition: @escaping @Sendable (SimulatedTenant) -> Bool) async -> Bool {
        await storeChanges.wait(timeout: timeout, current: {}, until: { [self] in condition(self) })
    }

    /// Moves an item's receive time (tests order items without waiting for the clock).
    func setReceived(ofItem id: String, to date: Date) {
        state.locked { t in
            for key in t.stores.keys where t.stores[key]?.items[id] != nil {
                t.stores[key]?.items[id]?.received = date
            }
        }
    }

    /// Runs `body` with exclusive access to one mailbox's store; nil when there is no such mailbox.
    func withStore<R>(_ smtp: String, _ body: (inout MailboxStore) throws -> R) rethrows -> R? {
        // After the lock is released: a waiting test's condition reads the stores again.
        defer { if storeChanges.isWaiting { storeChanges.changed(()) } }
        return try state.locked { t in
            // Taken out while mutated so the dictionaries inside stay uniquely owned (no copy).
            let key = smtp.lowercased()
            guard var store = t.stores.removeValue(forKey: key) else { return nil }
            defer { t.stores[key] = store }
            return try body(&store)
        }
    }
}

func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var diff = UInt8(a.count == b.count ? 0 : 1)
    for i in 0..<max(a.count, b.count) {
        let x = i < a.count ? a[i] : 0
        let y = i < b.count ? b[i] : 0
        diff |= x ^ y
    }
    return diff == 0
}
