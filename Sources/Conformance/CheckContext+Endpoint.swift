import EWSProtocol
import EWSTransport
import Foundation

/// The `ews` checks: the endpoint answers, the server names its version, the product's request version is accepted.
extension CheckContext {
    func reachability() async -> Verdict {
        do {
            let response = try await transport.send(HTTPRequest(method: "GET", url: target.ewsURL), sendCredentials: false)
            let schemes = response.headers.all("WWW-Authenticate").compactMap { $0.split(separator: " ").first.map(String.init) }
            var facts = ["http_status": String(response.status)]
            if !schemes.isEmpty { facts["offered_schemes"] = schemes.joined(separator: ", ") }
            facts.merge(AuthChecks.serverHints(response.headers)) { current, _ in current }
            let over = target.ewsURL.lowercased().hasPrefix("https") ? "over verified TLS" : "over plain http"
            let tlsNote = target.insecure ? "over TLS (verification OFF)" : over
            return .passed("answered HTTP \(response.status) \(tlsNote)\(schemes.isEmpty ? "" : "; offers \(schemes.joined(separator: ", "))")",
                           [response.exchange], facts: facts)
        } catch let error as TransportError {
            return .failed("no HTTP answer from \(target.ewsURL): \(error)", [error.exchange])
        } catch {
            return .errored("unexpected error: \(error)")
        }
    }

    func serverVersion() async -> Verdict {
        var exchanges: [HTTPExchange?] = []
        if await recorder.serverVersion == nil, let mailbox = target.mailboxes.first {
            // App-only tokens (Exchange Online) get a fault without the header until a request
            // impersonates someone: ask again as the first mailbox.
            let call = await client.perform(GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly),
                                            impersonating: connectingSID(mailbox))
            await recorder.setServerVersion(call.serverVersion)
            exchanges.append(call.exchange)
        }
        guard let v = await recorder.serverVersion else {
            return .failed("the EWS responses carried no ServerVersionInfo header", exchanges)
        }
        var facts = ["build": v.build, "product": v.productName]
        if let version = v.version { facts["version"] = version }
        if let minimum = profile?.minimumServerBuild, let minimumText = profile?.manifest.ews.minimumServerVersion {
            let actual = [v.majorVersion, v.minorVersion, v.majorBuildNumber, v.minorBuildNumber].map { $0 ?? 0 }
            facts["minimum_build"] = minimumText
            if actual.lexicographicallyPrecedes(minimum + Array(repeating: 0, count: max(0, 4 - minimum.count))) {
                return .failed("build \(v.build) is older than the \(minimumText) \(profile?.phrase ?? "the provider profile") requires", facts: facts)
            }
        }
        return .passed("\(v.productName), build \(v.build)\(v.version.map { ", schema \($0)" } ?? "")", exchanges, facts: facts)
    }

    /// The provider accepts a request version the product sends: an impersonated GetFolder(Inbox)
    /// of the first mailbox with that version must be answered NoError.
    func requestVersion(_ version: ExchangeVersion) async -> Verdict {
        guard let mailbox = target.mailboxes.first else { return .skipped("no mailbox to impersonate") }
        var settings = client.configuration
        settings.requestVersion = version
        let probe = EWSClient(transport: transport, configuration: settings)
        let call = await probe.perform(GetFolder(folders: [.inbox], shape: .idOnly), impersonating: connectingSID(mailbox))
        var facts = Self.callFacts(call)
        facts["request_version"] = version.rawValue
        if let m = call.messages.first, call.messages.count == 1, m.responseClass == .success, m.responseCode == "NoError", m.payload != nil {
            return .passed("RequestServerVersion \(version) is accepted: impersonated GetFolder(Inbox) of \(mailbox) answered NoError", [call.exchange], facts: facts)
        }
        switch call.outcome {
        case .fault(let fault) where ["ErrorInvalidServerVersion", "ErrorIncorrectSchemaVersion", "ErrorInvalidSchemaVersionForMailboxVersion"].contains(fault.code):
            return .failed("RequestServerVersion \(version) is refused with \(fault.code): \(fault.faultString)", [call.exchange], facts: facts)
        default:
            return failure(of: call, doing: "impersonated GetFolder(Inbox) of \(mailbox) with RequestServerVersion \(version)", facts: facts)
        }
    }
}
