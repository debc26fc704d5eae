import EWSProtocol
import EWSTransport

extension CheckContext {
    /// The newest request version a server's `ServerVersionInfo` claims: its schema version when
    /// that is a known value, a newer dated schema than the 2017 one as the newest known, else
    /// from the build (Exchange 2013's `V2_n` schema names included).
    static func newestClaimed(_ info: ServerVersionInfo) -> ExchangeVersion? {
        let known = ExchangeVersion.known
        if let v = info.version {
            if known.contains(ExchangeVersion(v)) { return ExchangeVersion(v) }
            if v.hasPrefix("V2_") { return "Exchange2013_SP1" }
            // Dated schema names (V2018_01_08) sort after the newest known one.
            if v.range(of: "^V20[0-9]{2}_[0-9]{2}_[0-9]{2}$", options: .regularExpression) != nil, let last = known.last, v > last.rawValue { return last }
        }
        switch (info.majorVersion, info.minorVersion) {
        case (8?, _): return "Exchange2007_SP1"
        case (14?, 0?): return "Exchange2010"
        case (14?, 1?): return "Exchange2010_SP1"
        case (14?, _): return "Exchange2010_SP2"
        case (15?, 0?): return "Exchange2013_SP1"
        case (15?, 1?): return "Exchange2016"
        case (15?, _?): return known.last
        default: return nil
        }
    }

    func requestVersionMatrix() async -> Verdict {
        guard let mailbox = target.mailboxes.first else { return .skipped("no mailbox to impersonate") }
        guard let info = await recorder.serverVersion, let newest = Self.newestClaimed(info),
              let newestIndex = ExchangeVersion.known.firstIndex(of: newest), let first = ExchangeVersion.known.firstIndex(of: "Exchange2007_SP1") else {
            return .errored("the provider's ServerVersionInfo names no version the matrix can start from")
        }
        var exchanges: [HTTPExchange?] = []
        var matrix: [String] = []
        var refusedClaimed: [String] = []
        var oddRefusals: [String] = []
        for (index, version) in ExchangeVersion.known.enumerated() where index >= first {
            var settings = client.configuration
            settings.requestVersion = version
            let call = await EWSClient(transport: transport, configuration: settings)
                .perform(GetFolder(folders: [.inbox], shape: .idOnly), impersonating: connectingSID(mailbox))
            exchanges.append(call.exchange)
            let accepted = call.messages.count == 1 && call.messages.first?.responseClass == .success
            let exchangeRefusal = call.fault?.code == "ErrorInvalidServerVersion"
            let cell = accepted ? "accepted" : exchangeRefusal ? "refused (ErrorInvalidServerVersion)" : "answered \(call.summary)"
            matrix.append("\(version)=\(accepted ? "accepted" : exchangeRefusal ? "refused" : "other")")
            if !accepted {
                if index <= newestIndex { refusedClaimed.append("\(version): \(cell)") }
                else if !exchangeRefusal { oddRefusals.append("\(version): \(cell)") }
            }
        }
        let facts = ["matrix": matrix.joined(separator: ", "), "newest_claimed": newest.rawValue, "server_schema": info.version ?? "(none)"]
        if !refusedClaimed.isEmpty {
            return .failed("the provider claims \(newest) (ServerVersionInfo \(info.version ?? info.build)) but does not accept every older request version: "
                           + refusedClaimed.joined(separator: "; "), exchanges, facts: facts)
        }
        if !oddRefusals.isEmpty {
            return .failed("request versions newer than the claimed \(newest) are refused, but not the way Exchange refuses them (the ErrorInvalidServerVersion fault): "
                           + oddRefusals.joined(separator: "; "), exchanges, facts: facts)
        }
        let count = newestIndex - first + 1
        return .passed("all \(count) request versions from Exchange2007_SP1 to \(newest) are accepted"
                       + (newestIndex + 1 < ExchangeVersion.known.count ? "; newer ones are refused with ErrorInvalidServerVersion, as Exchange does" : ""),
                       exchanges, facts: facts)
    }
}
