import Foundation

/// An RFC 5322 message with one attachment, as a fax or voicemail gateway mails it: multipart/mixed,
/// a text part, the recording or page base64-encoded.
enum DeliveryMIME {
    static func message(from: String, to: String, subject: String, text: String, fileName: String, contentType: String,
                        content: [UInt8], runID: String) -> [UInt8] {
        let boundary = "ewscheck-\(runID.filter { $0.isLetter || $0.isNumber })-boundary"
        let base64 = Data(content).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let lines = [
            "From: \(from)", "To: \(to)", "Subject: \(subject)", "Date: \(rfc5322Date())",
            "Message-ID: <\(UUID().uuidString.lowercased())@ewscheck.invalid>", "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"\(boundary)\"", "",
            "--\(boundary)", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 7bit", "", text, "",
            "--\(boundary)", "Content-Type: \(contentType); name=\"\(fileName)\"", "Content-Transfer-Encoding: base64",
            "Content-Disposition: attachment; filename=\"\(fileName)\"", "", base64, "",
            "--\(boundary)--", "",
        ]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    private static func rfc5322Date() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: Date())
    }
}
