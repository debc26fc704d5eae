/// How a streamed response ended, with everything that arrived until then.
package struct HTTPStreamResult: Sendable {
    /// Who ended the stream.
    package enum Ending: String, Sendable, Hashable {
        /// The server completed the response (the last chunk, or the whole Content-Length).
        case serverClosed = "server-closed"
        /// The caller's `onPart` answered false: the connection was closed at once.
        case clientClosed = "client-closed"
        /// The window passed with the response still open: the connection was closed.
        case windowElapsed = "window-elapsed"
        /// The calling task was cancelled while the response was open (closed within about a second).
        case cancelled
    }

    /// The response as far as it arrived (status 0 when no status line came before the end).
    package var response: HTTPResponse
    /// Who ended it.
    package var ending: Ending

    /// Creates a result.
    package init(response: HTTPResponse, ending: Ending) {
        self.response = response
        self.ending = ending
    }
}
