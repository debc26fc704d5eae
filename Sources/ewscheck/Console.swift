#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Unbuffered console output, so progress lines reach a pipe as they happen. Writes go straight to
/// the file descriptor: a reader that went away (`| head -1`, a closed terminal) costs the output,
/// never the run (SIGPIPE is ignored at start, and EPIPE is not an error here).
enum Console {
    static func out(_ line: String) { put(line, to: STDOUT_FILENO) }

    static func err(_ line: String) { put(line, to: STDERR_FILENO) }

    /// Text to standard output as is, without a newline (a terminal status line).
    static func outRaw(_ text: String) { put(bytes: Array(text.utf8), to: STDOUT_FILENO) }

    /// The width of the terminal on standard output (80 when it cannot be told).
    static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Raw bytes to standard output (a rendered report).
    static func outBytes(_ data: Data) { put(bytes: [UInt8](data), to: STDOUT_FILENO) }

    /// A file (a written report) to standard output a megabyte at a time, then `trailer`.
    static func copyToStandardOutput(file path: String, then trailer: Data) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            put(bytes: [UInt8](chunk), to: STDOUT_FILENO)
        }
        put(bytes: [UInt8](trailer), to: STDOUT_FILENO)
    }

    private static func put(_ line: String, to fd: Int32) { put(bytes: Array((line + "\n").utf8), to: fd) }

    private static func put(bytes: [UInt8], to fd: Int32) {
        var bytes = bytes
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            return
        }
    }
}
