import EWSProtocol
import EWSTransport

/// The profile's required headers, withheld one at a time: the provider must refuse the request or
/// answer it correctly, never answer it from another mailbox.
extension CheckContext {
    /// What one request without a required header got.
    enum Withheld: Equatable {
        /// The provider refused it (HTTP error, SOAP fault or an EWS error code): the header is enforced.
        case refused(String)
        /// The provider answered the same Inbox: the header is not enforced.
        case sameInbox
        /// The provider answered another folder: the request was misrouted.
        case otherFolder(String)
        /// An answer that is neither a refusal nor EWS (an HTML page at 200, say).
        case notEWS(String)
    }

    /// Reads `mailbox`'s Inbox with every header the run sends, then once per required header with
    /// that header left out, and compares.
    func requiredHeadersWithheld(_ mailbox: String) async -> Verdict {
        let required = profile?.manifest.ews.requiredHeaders ?? []
        guard !required.isEmpty else {
            return .skipped("\(profile?.phrase ?? "the provider profile") declares no required headers")
        }
        let sid = connectingSID(mailbox)
        let baseline = await client.perform(GetFolder(folders: [.inbox]), impersonating: sid)
        var exchanges: [HTTPExchange?] = [baseline.exchange]
        guard baseline.messages.count == 1, let first = baseline.messages.first, first.responseCode == "NoError",
              let inbox = first.payload else {
            return failure(of: baseline, doing: "impersonated GetFolder(Inbox) of \(mailbox) with every required header")
        }
        var facts: [String: String] = ["mailbox": mailbox]
        var misrouted: [String] = [], strange: [String] = [], enforced: [String] = [], loose: [String] = []
        for name in required {
            let call = await withholding(name).perform(GetFolder(folders: [.inbox]), impersonating: sid)
            exchanges.append(call.exchange)
            if case .transportError(let e) = call.outcome {
                return .errored("GetFolder(Inbox) of \(mailbox) without \(name): no answer: \(e)", exchanges)
            }
            if let leaked = call.exchange?.legs.last?.requestHeaders.first(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) {
                return .errored("the request meant to go without \(leaked.name) carried it", exchanges)
            }
            switch Self.classifyWithheld(call, inboxID: inbox.id) {
            case .refused(let how):
                enforced.append(name)
                facts["without.\(name)"] = "refused: \(how)"
            case .sameInbox:
                loose.append(name)
                facts["without.\(name)"] = "answered the same Inbox: not enforced"
            case .otherFolder(let id):
                misrouted.append(name)
                facts["without.\(name)"] = "answered another folder: \(id)"
            case .notEWS(let what):
                strange.append("\(name) (\(what))")
                facts["without.\(name)"] = "not an EWS answer: \(what)"
            }
        }
        if !misrouted.isEmpty {
            return .failed("without \(misrouted.joined(separator: ", ")) the provider answered GetFolder(Inbox) of \(mailbox) with another folder "
                           + "than with it: a request missing the header is silently misrouted to another mailbox", exchanges, facts: facts)
        }
        if !strange.isEmpty {
            return .failed("without \(strange.joined(separator: ", ")) the provider gave neither a refusal nor an EWS answer", exchanges, facts: facts)
        }
        var parts: [String] = []
        if !enforced.isEmpty { parts.append("refused without \(enforced.joined(separator: ", ")) (enforced)") }
        if !loose.isEmpty { parts.append("answered \(mailbox)'s own Inbox without \(loose.joined(separator: ", ")) (not enforced)") }
        return .passed(parts.joined(separator: "; "), exchanges, facts: facts)
    }

    /// The run's client, but with `name` taken out of every request after the profile's own changes.
    private func withholding(_ name: String) -> EWSClient {
        var configuration = client.configuration
        let adjust = configuration.requestAdjuster
        configuration.requestAdjuster = { request, operation, impersonated in
            await adjust?(&request, operation, impersonated)
            request.headers.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
        }
        return EWSClient(transport: client.transport, configuration: configuration)
    }

    /// Sorts the answer to a request without a required header.
    static func classifyWithheld(_ call: EWSCall<FolderInfo>, inboxID: String) -> Withheld {
        switch call.outcome {
        case .responses(let messages):
            guard let m = messages.first, messages.count == 1 else { return .notEWS("\(messages.count) response messages") }
            guard m.responseCode == "NoError" else { return .refused(call.summary) }
            guard let folder = m.payload else { return .notEWS("NoError without a folder") }
            return folder.id == inboxID ? .sameInbox : .otherFolder(folder.id)
        case .fault: return .refused(call.summary)
        case .httpError(let status, _) where status >= 400: return .refused(call.summary)
        case .httpError: return .notEWS(call.summary)
        case .malformed where (call.httpStatus ?? 0) >= 400: return .refused(call.summary)
        case .malformed: return .notEWS(ResponseShape.describe(call))
        case .transportError(let e): return .notEWS("no answer: \(e)")
        }
    }
}
