import Discovery
private import EWSExecutor
import Synchronization

/// What checks of one run hand to later checks: the Autodiscover report the discovery checks
/// judge, each mailbox's unread count before delivery and the voicemail delivered to it, and why
/// the run stopped early (`--fail-fast`). One per run; every access under its lock.
final class RunState: Sendable {
    private struct Storage {
        var discovery: (report: DiscoveryReport, plan: DiscoveryPlan)?
        var unreadBefore: [String: Int] = [:]
        var delivered: [String: DeliveredVoicemail] = [:]
        var stopReason: String?
        var oauth: OAuthTokenCheck.Acquisition?
        var postChallenge: PostChallenge?
        var interrupted = false
        var providerSchemas: ProviderSchemas?
    }
    private let storage = Mutex(Storage())
    /// What the contact-center checks hand to later ones.
    let contactCenter = ContactCenterState()

    /// The Autodiscover report and the plan it followed (nil without a `discovery:` section).
    var discovery: (report: DiscoveryReport, plan: DiscoveryPlan)? {
        get { storage.locked { $0.discovery } }
        set { storage.locked { $0.discovery = newValue } }
    }

    /// The token acquisition that `auth.oauth.token` reports.
    var oauth: OAuthTokenCheck.Acquisition? {
        get { storage.locked { $0.oauth } }
        set { storage.locked { $0.oauth = newValue } }
    }

    /// Whether the run was interrupted (Ctrl-C, SIGTERM, SIGHUP) before the final checks.
    var interrupted: Bool {
        get { storage.locked { $0.interrupted } }
        set { storage.locked { $0.interrupted = newValue } }
    }

    /// The challenge to the unauthenticated EWS POST, once asked.
    var postChallenge: PostChallenge? {
        get { storage.locked { $0.postChallenge } }
        set { storage.locked { $0.postChallenge = newValue } }
    }

    /// The provider's WSDL and schemas, once fetched (``CheckContext/providerSchemas()``).
    var providerSchemas: ProviderSchemas? {
        get { storage.locked { $0.providerSchemas } }
        set { storage.locked { $0.providerSchemas = newValue } }
    }

    func setUnreadBefore(_ count: Int?, mailbox: String) { storage.locked { $0.unreadBefore[mailbox] = count } }
    func unreadBefore(_ mailbox: String) -> Int? { storage.locked { $0.unreadBefore[mailbox] } }
    func setDelivered(_ voicemail: DeliveredVoicemail?, mailbox: String) { storage.locked { $0.delivered[mailbox] = voicemail } }
    func delivered(_ mailbox: String) -> DeliveredVoicemail? { storage.locked { $0.delivered[mailbox] } }

    /// Stops the run (the first reason wins); checks not yet started are skipped with it.
    func stop(_ reason: String) { storage.locked { if $0.stopReason == nil { $0.stopReason = reason } } }
    var stopReason: String? { storage.locked { $0.stopReason } }
}
