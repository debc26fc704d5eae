/// What a streamed response delivers as it arrives (see ``HTTPTransport/stream(_:sendCredentials:window:onPart:)``).
package enum HTTPStreamPart: Sendable {
    /// The end of a response leg's header block: its status and header fields (unredacted, for
    /// the caller only). An NTLM handshake shows its 401 legs first; the body that follows a head
    /// belongs to that head's leg.
    case head(status: Int, headers: [HTTPHeader])
    /// A piece of body as libcurl hands it over (chunked framing already removed; a piece may
    /// end in the middle of anything).
    case body([UInt8])
}
