import EWSProtocol

/// What an Autodiscover answer (POX, SOAP or v2) says, independent of its wire form.
enum AutodiscoverAnswer: Sendable, Equatable {
    /// Settings: the EWS URL and whatever else came along.
    case settings(ewsURL: String, settings: [String: String], smtpAddress: String?)
    /// Ask this URL instead.
    case redirectURL(String)
    /// Start over with this address.
    case redirectAddress(String)
    /// An error answer (code and message as the server gave them).
    case error(code: String, message: String)
    /// Well-formed, but not a usable answer.
    case malformed(String)
}

extension AutodiscoverAnswer {
    /// The most an Autodiscover answer may weigh before it is refused unread.
    static let maxBody = 1024 * 1024

    /// Parses an answer body (POX or SOAP) and hands the document to `read`; a body that is not
    /// XML, or weighs more than ``maxBody``, is `.malformed` with the parser's reason.
    static func reading(_ body: [UInt8], _ read: (XMLTree) -> AutodiscoverAnswer) -> AutodiscoverAnswer {
        let tree: XMLTree
        do {
            tree = try XMLTree(parsing: body, maxBytes: maxBody)
        } catch {
            return .malformed("not XML: \(error)")
        }
        return read(tree)
    }
}
