import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a report writer's bytes go: a file, written through a buffer as the report is assembled
/// (so a report larger than memory can be written), made visible under its name only when
/// complete (``commit()``: a temporary file renamed over it, as `Data.write(options: .atomic)`
/// does), or memory (``data``). Used from one task at a time.
package final class ReportOutput {
    private var buffer: [UInt8] = []
    private let fd: Int32
    private let path: String?
    private let temporary: String?
    private var memory = Data()
    private var failure: String?
    private var committed = false
    private static let flushAt = 1 << 20

    /// Collects the bytes in memory.
    package init() {
        fd = -1
        path = nil
        temporary = nil
        buffer.reserveCapacity(64 << 10)
    }

    /// Writes to a temporary file beside `path`; ``commit()`` renames it to `path`.
    package init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot create \(temp): \(String(cString: strerror(errno)))"])
        }
        self.fd = fd
        self.path = path
        temporary = temp
        buffer.reserveCapacity(Self.flushAt + (64 << 10))
    }

    deinit {
        if fd >= 0 { close(fd) }
        if let temporary, !committed { unlink(temporary) }
    }

    /// The bytes written so far (memory only).
    package var data: Data {
        flush()
        return memory
    }

    /// Appends text as UTF-8.
    package func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= Self.flushAt { flush() }
    }

    /// Appends bytes.
    package func write<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushAt { flush() }
    }

    /// Appends a pretty-printed JSON value (as JSONEncoder and JSONSerialization write it at the
    /// top level) as if it had been written `indent` spaces deeper: every line but the empty ones
    /// indented (a JSON string never holds a raw line feed, so every line feed is structure).
    package func write(json: Data, indent: Int) {
        let pad = [UInt8](repeating: UInt8(ascii: " "), count: indent)
        var atLineStart = true
        json.withUnsafeBytes { raw in
            var start = 0
            let count = raw.count
            while start < count {
                var end = start
                while end < count && raw[end] != 0x0A { end += 1 }
                if end > start {
                    if atLineStart { buffer.append(contentsOf: pad) }
                    buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                }
                if end < count {
                    buffer.append(0x0A)
                    atLineStart = true
                } else {
                    atLineStart = false
                }
                start = end + 1
            }
        }
        if buffer.count >= Self.flushAt { flush() }
    }

    private func flush() {
        guard !buffer.isEmpty else { return }
        if temporary == nil {
            memory.append(contentsOf: buffer)
        } else if failure == nil {
            var done = 0
            while done < buffer.count {
                let n = buffer.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return -1 }
                    return Glibc.write(fd, base + done, raw.count - done)
                }
                if n <= 0 {
                    failure = String(cString: strerror(errno))
                    break
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and renames the file into place.
    package func commit() throws {
        flush()
        guard let path, let temporary else { return }
        if let failure {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot write \(path): \(failure)"])
        }
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot write \(path): \(String(cString: strerror(errno)))"])
        }
        committed = true
    }
}
