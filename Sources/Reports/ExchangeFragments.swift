import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// report.html's rendering of each exchange, made while report.json reads the exchange, so each
/// exchange is read back from the spool, decoded and masked once for both files (report.html wants
/// them in result order, report.json in id order: no order serves both). Kept in an unlinked
/// temporary file beside the reports, read back by id; nothing is left on disk.
final class ExchangeFragments {
    private let fd: Int32
    private var index: [Int: (offset: Int, length: Int)] = [:]
    private var size = 0

    /// A store in `directory`; nil when no file can be made there (report.html then renders each
    /// exchange itself).
    init?(directory: String) {
        let path = directory + "/.exchanges-" + UUID().uuidString.prefix(8) + ".html"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        unlink(path)
        self.fd = fd
    }

    deinit { close(fd) }

    /// Keeps the rendering of exchange `id` (the first one given for an id).
    func add(_ id: Int, _ html: String) {
        guard index[id] == nil else { return }
        var bytes = Array(html.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return pwrite(fd, base + done, raw.count - done, off_t(size + done))
            }
            guard n > 0 else { return }
            done += n
        }
        index[id] = (size, bytes.count)
        size += bytes.count
    }

    /// The rendering kept for exchange `id`.
    func html(_ id: Int) -> String? {
        guard let (offset, length) = index[id] else { return nil }
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return pread(fd, base + done, length - done, off_t(offset + done))
            }
            guard n > 0 else { return nil }
            done += n
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
