/// Settings of a ``Simulator``; a value.
package struct SimulatorConfiguration: Sendable {
    /// Which Exchange to behave like.
    package var flavor: SimulatorFlavor = .onPremises
    /// The address to listen on (loopback only by default).
    package var bindAddress: String = "127.0.0.1"
    /// The HTTPS port; 0 picks a free one.
    package var port: Int = 0
    /// The DNS domain of the simulated organisation.
    package var domain: String = "contoso.com"
    /// The NetBIOS domain.
    package var netbiosDomain: String = "CONTOSO"
    /// Extra host names the certificate must cover (the domain's usual names are always there).
    package var extraHostnames: [String] = []
    /// Where to write `ca.pem`, the secrets and the request log; nil keeps everything in memory
    /// except `ca.pem`, which then goes to a temporary folder.
    package var stateDirectory: String?
    /// A folder with `messages.xsd`/`types.xsd`: requests are then validated against it, and it
    /// is served at `/EWS/*.xsd` like Exchange does.
    package var schemaDirectory: String?
    /// Whether requests are validated against `schemaDirectory` (it is served either way). Off only
    /// for benchmarks: a request Exchange would refuse with ErrorSchemaValidation is then served.
    package var validatesRequests = true
    /// The mailboxes the service account may impersonate.
    package var mailboxesInScope: [String] = ["alice", "bob", "carol", "dave"]
    /// The local parts of `count` in-scope mailboxes: the usual four (alice, bob, carol, dave)
    /// first, then `user0005`, `user0006`, … (zero-padded to the width of `count`).
    package static func generatedMailboxes(count: Int) -> [String] {
        let named = ["alice", "bob", "carol", "dave"]
        guard count > named.count else { return Array(named.prefix(max(0, count))) }
        let width = max(4, String(count).count)
        return named + (named.count + 1...count).map { n in
            let digits = String(n)
            return "user" + String(repeating: "0", count: width - digits.count) + digits
        }
    }

    /// A mailbox that exists but is out of the impersonation scope.
    package var mailboxOutOfScope: String = "erin"
    /// The service account's password; nil makes a random one.
    package var serviceAccountPassword: String?
    /// Added to every response, in milliseconds (a slow or distant provider).
    package var latencyMilliseconds: Int = 0
    /// How long sent mail takes to reach the recipients' Inboxes, in milliseconds (transport
    /// latency; 0 delivers before the send returns).
    package var deliveryDelayMilliseconds: Int = 0
    /// How many live subscriptions one mailbox may hold (EWSMaxSubscriptions, charged against the
    /// target mailbox); more are refused with ErrorExceededSubscriptionCount. Nil takes the
    /// throttling policy's when one is in force, else the flavor's: 20 in Exchange Online, 5000 on premises.
    package var maxSubscriptionsPerMailbox: Int?
    /// How long the `notification-late` quirk holds an event back before GetEvents reports it,
    /// in milliseconds.
    package var notificationDelayMilliseconds: Int = 2000
    /// How often an idle GetStreamingEvents stream sends a keep-alive (`ConnectionStatus` OK).
    package var streamingKeepAliveSeconds: Int = 30
    /// Push subscriptions: the status interval and retry window in seconds, replacing the
    /// StatusFrequency (minutes) each subscription asks for; nil keeps StatusFrequency (tests shorten it).
    package var pushStatusFrequencySeconds: Int?
    /// Push subscriptions: when a failed notification is first retried, in milliseconds (Exchange:
    /// 30 s; each later retry comes at double the time after the first attempt).
    package var pushFirstRetryMilliseconds: Int = 30_000
    /// Push subscriptions: how long a callback may take to answer a notification, in seconds.
    package var pushResponseTimeoutSeconds: Double = 30
    /// Throttling answers to every n-th EWS request (none by default); see ``SimulatedThrottling``.
    package var throttling: SimulatedThrottling?
    /// Exchange's throttling policy (see ``SimulatedThrottlingPolicy``): nil takes the flavor's
    /// default (on, with Exchange Online's numbers, for exchange-online; off for the others).
    package var throttlingPolicy: SimulatedThrottlingPolicy?
    /// Whether the policy applies: nil follows the flavor (``SimulatedThrottlingPolicy/isOnByDefault(for:)``),
    /// true turns it on for any flavor (with ``throttlingPolicy`` or the defaults), false off.
    package var throttlingPolicyEnabled: Bool?

    /// The throttling policy in force, if any.
    package var effectiveThrottlingPolicy: SimulatedThrottlingPolicy? {
        guard throttlingPolicyEnabled ?? (throttlingPolicy != nil || SimulatedThrottlingPolicy.isOnByDefault(for: flavor)) else { return nil }
        return throttlingPolicy ?? SimulatedThrottlingPolicy()
    }
    /// HTTP headers a hoster's front end requires on every EWS POST (none by default; Exchange
    /// requires none): a request without one gets HTTP 400 naming it, before EWS sees it.
    package var requiredHeaders: [String] = []
    /// Deliberate deviations from Exchange (none by default).
    package var quirks: Set<SimulatorQuirk> = []
    /// The service address the `wsdl-foreign-address` quirk writes into the WSDL (a test points
    /// it at a trap listener to prove nothing is sent there).
    package var wsdlForeignAddress = "https://ews.outsourced-hosting.example/EWS/Exchange.asmx"
    /// The largest request body accepted (IIS's `maxAllowedContentLength` for EWS); larger ones
    /// get HTTP 413. Nil takes the flavor's limit.
    package var maxRequestBytes: Int?
    /// The Entra tenant and token service of the `exchange-online` flavor.
    package var exchangeOnline = ExchangeOnline()
    /// How Autodiscover is published (which host answers, which redirects); see ``AutodiscoverLayout``.
    package var autodiscoverLayout: AutodiscoverLayout = .standard
    /// The plain-HTTP port of Autodiscover's redirect lookup; 0 picks a free one.
    package var httpPort: Int = 0

    /// HTTP Digest algorithms offered (`SHA-256`, `MD5`), in challenge order; empty offers none.
    package var digestAlgorithms: [String] = []

    /// Kerberos behind `Negotiate` (exchange-onprem flavor): the keytab of the web server's
    /// service principal and the realm its users come from. Nil: Negotiate carries NTLM only.
    package var kerberos: Kerberos?

    /// Where the simulator's Kerberos acceptor gets its key.
    package struct Kerberos: Sendable, Hashable {
        /// The keytab holding `HTTP/mail.<domain>` (``SimulatedKDC/serviceKeytab``).
        package var keytab: String
        /// The realm whose principals map to the tenant's accounts (`CONTOSO.COM`).
        package var realm: String
        /// Creates Kerberos settings.
        package init(keytab: String, realm: String) {
            self.keytab = keytab
            self.realm = realm
        }
    }

    /// Creates a configuration with defaults.
    package init() {}

    /// The host names the certificate covers.
    package var hostnames: [String] {
        ["mail.\(domain)", "autodiscover.\(domain)", domain, "localhost"] + extraHostnames
            + (flavor == .exchangeOnline ? ExchangeOnlineHosts.certificateNames(domain: domain) : [])
            + autodiscoverLayout.extraHostnames(domain: domain)
    }
}
