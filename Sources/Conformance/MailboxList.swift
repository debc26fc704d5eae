import Foundation

/// The mailboxes of a `mailboxes_file:`: one address per line, or a CSV file whose header names
/// the columns `address` (required), `upn`, `sid` and `tags`. Blank lines and lines starting with
/// `#` are ignored. A malformed line or a repeated address is refused with its line number.
package struct MailboxList: Sendable, Hashable {
    /// One mailbox of the file.
    package struct Entry: Sendable, Hashable {
        /// The primary SMTP address, lower-case.
        package var address: String
        /// The user principal name, when the file gives one.
        package var upn: String?
        /// The security identifier (`S-1-5-21-…`), when the file gives one.
        package var sid: String?
        /// Free tags (`--mailbox tag:NAME` selects by them); in the file separated by `;` or spaces.
        package var tags: [String]
        /// The line of the file it came from (1-based).
        package var line: Int

        /// Creates an entry.
        package init(address: String, upn: String? = nil, sid: String? = nil, tags: [String] = [], line: Int = 0) {
            self.address = address.lowercased()
            self.upn = upn
            self.sid = sid
            self.tags = tags
            self.line = line
        }
    }

    /// The entries, in file order.
    package var entries: [Entry]

    /// The columns a CSV header may name.
    package static let columns = ["address", "upn", "sid", "tags"]

    /// Reads and checks the file at `path`; errors name the file and the line.
    package static func load(path: String) throws(TargetFileError) -> MailboxList {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TargetFileError("mailboxes_file \(path) does not exist or cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw TargetFileError("mailboxes_file \(path) is not UTF-8 text") }
        do {
            return try parse(text)
        } catch {
            throw TargetFileError("mailboxes_file \(path): \(error.message)")
        }
    }

    /// Parses the text of a mailboxes file.
    package static func parse(_ text: String) throws(TargetFileError) -> MailboxList {
        var entries: [Entry] = []
        var firstLine: [String: Int] = [:]
        var header: [String]?
        var decided = false
        var number = 0
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            number += 1
            var line = String(raw)
            if number == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            line = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !decided {
                decided = true
                // A first line that names columns (it has no '@') is a CSV header.
                if !line.contains("@") {
                    header = try Self.header(line, number: number)
                    continue
                }
            }
            let entry: Entry
            if let header {
                entry = try Self.row(line, header: header, number: number)
            } else {
                guard !line.contains(","), !line.contains(where: \.isWhitespace) else {
                    throw TargetFileError("line \(number) has more than an address; a file with several columns needs a header line naming them (\(columns.joined(separator: ",")))")
                }
                guard Self.isAddress(line) else { throw TargetFileError("line \(number): '\(printable(line))' is not an SMTP address") }
                entry = Entry(address: line, line: number)
            }
            if let first = firstLine[entry.address] {
                throw TargetFileError("line \(number) repeats \(entry.address) (first on line \(first))")
            }
            firstLine[entry.address] = number
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw TargetFileError("it lists no mailbox") }
        return MailboxList(entries: entries)
    }

    private static func header(_ line: String, number: Int) throws(TargetFileError) -> [String] {
        let names = try fields(line, number: number).map { $0.lowercased() }
        if !names.contains(where: columns.contains) {
            throw TargetFileError("line \(number): '\(printable(line))' is neither an SMTP address nor a CSV header (\(columns.joined(separator: ",")))")
        }
        for name in names where !columns.contains(name) {
            throw TargetFileError("line \(number): unknown column '\(printable(name))' (known: \(columns.joined(separator: ", ")))")
        }
        guard names.contains("address") else {
            throw TargetFileError("line \(number): the header names no 'address' column (and the line is not an address)")
        }
        if let repeated = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw TargetFileError("line \(number): the header names column '\(repeated)' twice")
        }
        return names
    }

    private static func row(_ line: String, header: [String], number: Int) throws(TargetFileError) -> Entry {
        let values = try fields(line, number: number)
        guard values.count == header.count else {
            throw TargetFileError("line \(number) has \(values.count) field\(values.count == 1 ? "" : "s"); the header names \(header.count) (\(header.joined(separator: ",")))")
        }
        var cell: [String: String] = [:]
        for (name, value) in zip(header, values) where !value.isEmpty { cell[name] = value }
        guard let address = cell["address"] else { throw TargetFileError("line \(number) has no address") }
        guard isAddress(address) else { throw TargetFileError("line \(number): '\(printable(address))' is not an SMTP address") }
        if let upn = cell["upn"], !isAddress(upn) {
            throw TargetFileError("line \(number): upn '\(printable(upn))' is not a user principal name (name@domain)")
        }
        if let sid = cell["sid"], !isSID(sid) {
            throw TargetFileError("line \(number): sid '\(printable(sid))' is not a security identifier (S-1-5-21-…)")
        }
        let tags = (cell["tags"] ?? "").split(whereSeparator: { $0 == ";" || $0 == " " }).map(String.init)
        return Entry(address: address, upn: cell["upn"]?.lowercased(), sid: cell["sid"]?.uppercased(), tags: tags, line: number)
    }

    /// The fields of one CSV line (RFC 4180 quoting within a line; `""` is a quote).
    static func fields(_ line: String, number: Int) throws(TargetFileError) -> [String] {
        var result: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is one quote; a single one ends the quoted part.
                    var lookahead = chars
                    if lookahead.next() == "\"" {
                        current.append("\"")
                        chars = lookahead
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if wasQuoted && c != "," {
                // After the closing quote only spaces may come before the comma.
                guard c.isWhitespace else { throw TargetFileError("line \(number) has text after a quoted field") }
            } else if c == "," {
                result.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
                current = ""
                wasQuoted = false
            } else if c == "\"" && current.trimmingCharacters(in: .whitespaces).isEmpty && !wasQuoted {
                quoted = true
                wasQuoted = true
                current = ""
            } else {
                current.append(c)
            }
        }
        if quoted { throw TargetFileError("line \(number) has an unterminated quoted field") }
        result.append(wasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
        return result
    }

    /// `local@domain` with a dot-atom local part and a domain of letters, digits, `-` and dots.
    static func isAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
              !local.isEmpty, local.count <= 64, !domain.isEmpty, domain.count <= 255 else { return false }
        let atext = Set("!#$%&'*+-/=?^_`{|}~.")
        guard local.first != ".", local.last != ".", !local.contains(".."),
              local.allSatisfy({ $0.isLetter || $0.isNumber || atext.contains($0) }) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.first != "-" && label.last != "-" && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }
    }

    /// `S-1-<authority>-<sub>…`, digits only.
    static func isSID(_ s: String) -> Bool {
        let parts = s.uppercased().split(separator: "-", omittingEmptySubsequences: false)
        return parts.count >= 3 && parts[0] == "S" && parts[1] == "1"
            && parts.dropFirst(2).allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// A value as an error message may show it: control characters escaped, long values cut.
    static func printable(_ s: String) -> String {
        let escaped = s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return escaped.count > 80 ? String(escaped.prefix(77)) + "..." : escaped
    }
}
