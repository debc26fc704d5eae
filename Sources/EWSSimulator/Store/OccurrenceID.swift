import Foundation

/// The id of one occurrence of a recurring master: Exchange-shaped (`AAMkA…`-like prefix), and
/// carrying the master's id and the occurrence's original start, so GetItem and DeleteItem can
/// find it without the store keeping an item per occurrence.
enum OccurrenceID {
    private static let prefix: [UInt8] = [0x00, 0x03, 0x24, 0x00, 0x4F]

    static func make(master: String, originalStart: Date) -> String {
        var bytes = prefix
        withUnsafeBytes(of: Int64(originalStart.timeIntervalSince1970).bigEndian) { bytes += $0 }
        bytes += Array(master.utf8)
        return Data(bytes).base64EncodedString()
    }

    /// The master id and original start an occurrence id names (nil for any other id).
    static func parse(_ id: String) -> (master: String, originalStart: Date)? {
        guard let data = Data(base64Encoded: id), data.count > 13 else { return nil }
        let bytes = [UInt8](data)
        guard Array(bytes.prefix(5)) == prefix else { return nil }
        let seconds = bytes[5..<13].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard let master = String(bytes: bytes[13...], encoding: .utf8) else { return nil }
        return (master, Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
