import EWSProtocol
import Foundation

extension EWSService {
    /// ConvertId between EwsId, EntryId, HexEntryId, StoreId and OwaId (the simulator's entry ids
    /// are its EWS id bytes behind a store prefix, so conversions round-trip). EwsLegacyId (the
    /// Exchange 2007 form) is refused as not implemented. A
    /// malformed id (exchangelib's version probe sends `DUMMY`) gets `ErrorInvalidIdMalformed`
    /// in a normal response, which carries the `ServerVersionInfo` header the probe reads.
    func convertId(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let destination = request.attribute("DestinationFormat") ?? ""
        let messages = (request.child("SourceIds")?.children ?? []).map { element -> String in
            guard element.name == "AlternateId" else {
                return SOAPWriter.error("ConvertId", .notImplemented("ConvertId of \(element.name)"))
            }
            let format = element.attribute("Format") ?? ""
            let mailbox = element.attribute("Mailbox") ?? ""
            guard let bytes = Self.ewsBytes(element.attribute("Id") ?? "", format: format) else {
                if !Self.convertibleFormats.contains(format) { return SOAPWriter.error("ConvertId", .notImplemented("ConvertId from \(format)")) }
                return SOAPWriter.error("ConvertId", .idMalformed)
            }
            guard Self.convertibleFormats.contains(destination) else {
                return SOAPWriter.error("ConvertId", .notImplemented("ConvertId to \(destination)"))
            }
            // An EWS id names its mailbox itself: Exchange answers with the mailbox that holds it,
            // whatever Mailbox says (DavMail learns its user's address this way). Entry ids
            // name something in the Mailbox given.
            let ewsId = Data(bytes).base64EncodedString()
            let holder = format == "EwsId" ? tenant.allUsers.first { u in
                u.hasMailbox && (tenant.withStore(u.primarySmtpAddress) { $0.items[ewsId] != nil || $0.folders[ewsId] != nil } ?? false)
            } : nil
            guard let user = holder ?? tenant.user(anySmtp: mailbox), user.hasMailbox else {
                return SOAPWriter.error("ConvertId", .nonExistentMailbox(mailbox))
            }
            guard user.primarySmtpAddress == context.mailboxUser.primarySmtpAddress else {
                return SOAPWriter.error("ConvertId", .accessDenied)
            }
            let exists = tenant.withStore(user.primarySmtpAddress) { $0.items[ewsId] != nil || $0.folders[ewsId] != nil } ?? false
            guard exists else { return SOAPWriter.error("ConvertId", .itemNotFound) }
            let converted = Self.format(bytes, as: destination)
            let answered = holder?.primarySmtpAddress ?? mailbox
            return SOAPWriter.success("ConvertId", payload: "<m:AlternateId xsi:type=\"t:AlternateIdType\" Format=\"\(destination)\" Id=\"\(converted)\" Mailbox=\"\(answered.xmlEscaped)\"/>")
        }
        return SOAPWriter.operationResponse("ConvertId", messages: messages)
    }

    static let convertibleFormats: Set<String> = ["EwsId", "EntryId", "HexEntryId", "StoreId", "OwaId"]

    /// The characters of base64 an OwaId escapes (it travels in OWA's URLs).
    private static let owaEscapes: [(Character, String)] = [("+", "%2B"), ("/", "%2F"), ("=", "%3D")]

    /// The EWS id bytes an alternate id in `format` stands for; nil when it is not well-formed.
    static func ewsBytes(_ id: String, format: String) -> [UInt8]? {
        let entry: [UInt8]
        switch format {
        case "EwsId":
            guard IDFactory.isWellFormed(id), let data = Data(base64Encoded: id) else { return nil }
            return [UInt8](data)
        case "EntryId":
            guard let data = Data(base64Encoded: id) else { return nil }
            entry = [UInt8](data)
        case "HexEntryId":
            guard id.count % 2 == 0, !id.isEmpty else { return nil }
            var bytes: [UInt8] = []
            var index = id.startIndex
            while index < id.endIndex {
                let next = id.index(index, offsetBy: 2)
                guard let b = UInt8(id[index..<next], radix: 16) else { return nil }
                bytes.append(b)
                index = next
            }
            entry = bytes
        case "StoreId", "OwaId":
            // A StoreId is the entry id behind one byte giving its length; Exchange's documented
            // OwaId "RgAAAAAS2%2" reads 0x46 (a 70-byte message entry id), then the entry id's
            // four zero flag bytes. That layout is *inferred* from examples, not from a spec; the
            // object-type byte Exchange may append is not modelled. An OwaId is the StoreId's
            // base64 with +, / and = percent-escaped.
            var text = id
            if format == "OwaId" {
                guard !text.contains("+"), !text.contains("/"), !text.contains("=") else { return nil }
                for (c, escaped) in owaEscapes { text = text.replacingOccurrences(of: escaped, with: String(c), options: .caseInsensitive) }
            }
            guard let data = Data(base64Encoded: text), let length = data.first, data.count == Int(length) + 1 else { return nil }
            entry = [UInt8](data.dropFirst())
        default:
            return nil
        }
        guard entry.count >= 13, entry.prefix(4) == [0, 0, 0, 0] else { return nil }
        let ews = [0x00, 0x03, 0x24, 0x00] + entry.dropFirst(4)
        return IDFactory.isWellFormed(Data(ews).base64EncodedString()) ? Array(ews) : nil
    }

    static func format(_ ewsBytes: [UInt8], as format: String) -> String {
        let entry = [0, 0, 0, 0] + ewsBytes.dropFirst(4)
        switch format {
        case "EntryId": return Data(entry).base64EncodedString()
        case "HexEntryId": return entry.map { String(format: "%02X", $0) }.joined()
        case "StoreId", "OwaId":
            var text = Data([UInt8(truncatingIfNeeded: entry.count)] + entry).base64EncodedString()
            if format == "OwaId" { for (c, escaped) in owaEscapes { text = text.replacingOccurrences(of: String(c), with: escaped) } }
            return text
        default: return Data(ewsBytes).base64EncodedString()
        }
    }
}
