private import EWSExecutor
import EWSProtocol
import Synchronization

/// What the contact-center checks of one run hand to later checks of the same mailbox: the
/// unread voicemail the lamp checks turn off. One per run; every access under its lock.
final class ContactCenterState: Sendable {
    /// A voicemail left unread, and the Inbox unread count it produced.
    struct UnreadVoicemail: Sendable {
        var item: ItemIdentifier
        var unreadAfter: Int
    }

    private let unread = Mutex([String: UnreadVoicemail]())

    func setUnread(_ voicemail: UnreadVoicemail?, mailbox: String) { unread.locked { $0[mailbox] = voicemail } }
    func unreadVoicemail(_ mailbox: String) -> UnreadVoicemail? { unread.locked { $0[mailbox] } }
}
