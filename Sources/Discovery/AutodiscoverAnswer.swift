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
