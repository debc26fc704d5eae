import Foundation

/// Writes an item as an RFC 5322 / MIME message (for `IncludeMimeContent` on items that were not
/// created from MIME): headers, the body as text or HTML, file attachments as base64 parts.
enum MIMEWriter {
    static func message(_ item: StoredItem) -> [UInt8] {
        var headers: [(String, String)] = []
        if let from = item.from { headers.append(("From", address(from))) }
        if !item.toRecipients.isEmpty { headers.append(("To", item.toRecipients.map(address).joined(separator: ", "))) }
        if !item.ccRecipients.isEmpty { headers.append(("Cc", item.ccRecipients.map(address).joined(separator: ", "))) }
        if !item.replyTo.isEmpty { headers.append(("Reply-To", item.replyTo.map(address).joined(separator: ", "))) }
        headers.append(("Subject", encodedWord(item.subject)))
        headers.append(("Date", rfc5322Date(item.received)))
        if let id = item.simple["InternetMessageId"]?.text { headers.append(("Message-ID", id)) }
        if let v = item.simple["InReplyTo"]?.text { headers.append(("In-Reply-To", v)) }
        if let v = item.simple["References"]?.text { headers.append(("References", v)) }
        if !item.categories.isEmpty { headers.append(("Keywords", item.categories.joined(separator: ", "))) }
        if item.importance != "Normal" { headers.append(("Importance", item.importance.lowercased())) }
        for h in item.internetHeaders where !headers.contains(where: { $0.0.lowercased() == h.name.lowercased() }) {
            headers.append((h.name, h.value))
        }
        headers.append(("MIME-Version", "1.0"))
        let bodyType = item.bodyType == "HTML" ? "text/html" : "text/plain"
        let bodyPart = "Content-Type: \(bodyType); charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + wrap(Data(item.body.utf8).base64EncodedString()) + "\r\n"
        var text = headers.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n") + "\r\n"
        if item.attachments.isEmpty {
            text += bodyPart
        } else {
            let boundary = "_sim_\(item.id.prefix(12).filter { $0.isLetter || $0.isNumber })_"
            text += "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n--\(boundary)\r\n" + bodyPart
            for a in item.attachments {
                text += "--\(boundary)\r\nContent-Type: \(a.contentType); name=\"\(a.name)\"\r\n"
                    + "Content-Disposition: \(a.isInline ? "inline" : "attachment"); filename=\"\(a.name)\"\r\n"
                    + "Content-Transfer-Encoding: base64\r\n\r\n" + wrap(Data(a.content).base64EncodedString()) + "\r\n"
            }
            text += "--\(boundary)--\r\n"
        }
        return Array(text.utf8)
    }

    /// `Tue, 01 Dec 2026 10:00:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let c = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        let day = days[((c.weekday ?? 1) - 1) % 7]
        let month = months[((c.month ?? 1) - 1) % 12]
        return "\(day), \(two(c.day)) \(month) \(c.year ?? 1970) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    private static func address(_ a: StoredAddress) -> String {
        guard let name = a.name, !name.isEmpty else { return a.email }
        return "\(encodedWord(name)) <\(a.email)>"
    }

    /// RFC 2047 encoded-word for non-ASCII header text.
    static func encodedWord(_ s: String) -> String {
        s.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 } ? s : "=?utf-8?B?\(Data(s.utf8).base64EncodedString())?="
    }

    private static func wrap(_ base64: String) -> String {
        var lines: [Substring] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.joined(separator: "\r\n")
    }
}
