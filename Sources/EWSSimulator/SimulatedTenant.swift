import Foundation

/// The simulated organisation: its directory, its mailboxes and who may impersonate whom.
/// Thread-safe; tests inspect it to prove what a run left behind.
public final class SimulatedTenant: @unchecked Sendable {
    /// A summary of one item, for inspection.
    public struct ItemSummary: Sendable, Hashable {
        /// The mailbox (primary SMTP).
        public var mailbox: String
        /// The folder's display name.
        public var folder: String
        /// The item id.
        public var id: String
        /// The item class.
        public var itemClass: String
        /// The subject.
        public var subject: String
        /// The attachment names.
        public var attachmentNames: [String]
    }

    /// The DNS domain (`contoso.com`).
    public let domain: String
    /// The NetBIOS domain (`CONTOSO`).
    public let netbiosDomain: String
    let ids = IDFactory()
    let subscriptions = SubscriptionRegistry()
    private let lock = NSLock()
    private var users: [SimulatedUser] = []
    /// Indexes into `users` (a tenant may have thousands): by primary SMTP, by any SMTP, UPN and SID.
    private var byPrimary: [String: Int] = [:]
    private var byAnySmtp: [String: Int] = [:]
    private var byUPN: [String: Int] = [:]
    private var bySID: [String: Int] = [:]
    private var grants: [String: ImpersonationScope] = [:]
    private var stores: [String: MailboxStore] = [:]
    private var groups: [DistributionGroup] = []

    /// Creates an empty tenant.
    public init(domain: String, netbiosDomain: String) {
        self.domain = domain.lowercased()
        self.netbiosDomain = netbiosDomain.uppercased()
    }

    /// Adds a user (and its mailbox, if it has one).
    public func add(_ user: SimulatedUser) {
        lock.withLock {
            let index = users.count
            users.append(user)
            // The first user with a key keeps it, as the linear search this replaces did.
            if byPrimary[user.primarySmtpAddress] == nil { byPrimary[user.primarySmtpAddress] = index }
            for smtp in [user.primarySmtpAddress] + user.proxyAddresses where byAnySmtp[smtp] == nil { byAnySmtp[smtp] = index }
            if byUPN[user.userPrincipalName] == nil { byUPN[user.userPrincipalName] = index }
            if bySID[user.sid.uppercased()] == nil { bySID[user.sid.uppercased()] = index }
            if user.hasMailbox { stores[user.primarySmtpAddress] = MailboxStore(owner: user.primarySmtpAddress, ids: ids) }
        }
    }

    /// Adds a distribution group or room list.
    public func add(_ group: DistributionGroup) {
        lock.withLock { groups.append(group) }
    }

    /// Every distribution group and room list, in the order added.
    public var allGroups: [DistributionGroup] { lock.withLock { groups } }

    /// The group with this address.
    public func group(smtp: String) -> DistributionGroup? {
        let s = smtp.lowercased()
        return lock.withLock { groups.first { $0.primarySmtpAddress == s } }
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
    public func grantImpersonation(to account: String, scope: ImpersonationScope) {
        lock.withLock { grants[account.lowercased()] = scope }
    }

    /// Every user, in the order added.
    public var allUsers: [SimulatedUser] { lock.withLock { users } }

    /// The user with this primary SMTP address.
    public func user(primarySmtp smtp: String) -> SimulatedUser? {
        let s = smtp.lowercased()
        return lock.withLock { byPrimary[s].map { users[$0] } }
    }

    /// The user with this address among primary and proxy addresses.
    public func user(anySmtp smtp: String) -> SimulatedUser? {
        let s = smtp.lowercased()
        return lock.withLock { byAnySmtp[s].map { users[$0] } }
    }

    /// The user with this UPN.
    public func user(principalName upn: String) -> SimulatedUser? {
        let s = upn.lowercased()
        return lock.withLock { byUPN[s].map { users[$0] } }
    }

    /// The user with this SID.
    public func user(sid: String) -> SimulatedUser? {
        let s = sid.uppercased()
        return lock.withLock { bySID[s].map { users[$0] } }
    }

    /// Finds the account a sign-in name means: `user@domain` (UPN or SMTP), `DOMAIN\user` or `user`.
    public func account(signInName name: String, domain explicitDomain: String? = nil) -> SimulatedUser? {
        var user = name
        var domain = explicitDomain ?? ""
        if let slash = name.firstIndex(of: "\\") {
            domain = String(name[..<slash])
            user = String(name[name.index(after: slash)...])
        }
        let lower = user.lowercased()
        let d = domain.lowercased()
        guard d.isEmpty || d == netbiosDomain.lowercased() || d == self.domain else { return nil }
        return lock.withLock {
            users.first {
                $0.userPrincipalName == lower || $0.primarySmtpAddress == lower || $0.samAccountName.lowercased() == lower
            }
        }
    }

    /// Checks a password sign-in.
    public func authenticate(signInName: String, password: String) -> SimulatedUser? {
        guard let user = account(signInName: signInName), let expected = user.password else { return nil }
        return constantTimeEqual(Array(expected.utf8), Array(password.utf8)) ? user : nil
    }

    /// The impersonation scope granted to an account, if any.
    public func impersonationScope(of account: SimulatedUser) -> ImpersonationScope? {
        lock.withLock { grants[account.primarySmtpAddress] }
    }

    /// Every item in every mailbox.
    public func allItems() -> [ItemSummary] {
        lock.withLock {
            stores.values.flatMap { store in
                store.items.values.map { item in
                    ItemSummary(mailbox: store.owner, folder: store.folders[item.folderID]?.displayName ?? "?",
                                id: item.id, itemClass: item.itemClass, subject: item.subject,
                                attachmentNames: item.attachments.map(\.name))
                }
            }.sorted { ($0.mailbox, $0.id) < ($1.mailbox, $1.id) }
        }
    }

    /// Moves an item's receive time (tests order items without waiting for the clock).
    func setReceived(ofItem id: String, to date: Date) {
        lock.withLock {
            for key in stores.keys where stores[key]?.items[id] != nil {
                stores[key]?.items[id]?.received = date
            }
        }
    }

    /// Runs `body` with exclusive access to one mailbox's store; nil when there is no such mailbox.
    func withStore<R>(_ smtp: String, _ body: (inout MailboxStore) throws -> R) rethrows -> R? {
        try lock.withLock {
            // Taken out while mutated so the dictionaries inside stay uniquely owned (no copy).
            let key = smtp.lowercased()
            guard var store = stores.removeValue(forKey: key) else { return nil }
            defer { stores[key] = store }
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
