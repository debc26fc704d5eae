// Reads an ELF file's headers without loading it. dlopen of a file cut short can crash inside the
// dynamic loader (SIGBUS on the first page it maps past the end), so a candidate's headers are checked
// against its size before anything maps it: a truncated plugin gets a precise diagnostic instead of a
// dead probe process. Only reads; never trusts an offset without checking it against the file size.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum ELFPrecheck {
    /// What the host itself is (ELF class 64, its `e_machine`), read once from the running executable.
    static let hostMachine: UInt16? = {
        guard let header = try? readHeader(path: "/proc/self/exe") else { return nil }
        return header.machine
    }()

    struct Header {
        var is64Bit: Bool
        var littleEndian: Bool
        var type: UInt16
        var machine: UInt16
        var programHeaderOffset: UInt64
        var programHeaderEntrySize: UInt16
        var programHeaderCount: UInt16
        var sectionHeaderOffset: UInt64
        var sectionHeaderEntrySize: UInt16
        var sectionHeaderCount: UInt16
        var fileSize: UInt64
    }

    enum Problem: Error {
        case unreadable(String)
        case notELF(String)
        case truncated(String)
        case notLoadable(String)
    }

    /// Checks that `path` is a complete 64-bit little-endian ELF shared object for this machine.
    static func check(path: String) -> PluginDiagnostic? {
        do {
            let header = try readHeader(path: path)
            try validate(header, path: path)
            return nil
        } catch let problem as Problem {
            switch problem {
            case .unreadable(let why): return PluginDiagnostic(.unreadable, path: path, why)
            case .notELF(let why): return PluginDiagnostic(.notELF, path: path, why)
            case .truncated(let why): return PluginDiagnostic(.truncatedELF, path: path, why)
            case .notLoadable(let why): return PluginDiagnostic(.notLoadable, path: path, why)
            }
        } catch {
            return PluginDiagnostic(.unreadable, path: path, "cannot be read: \(error)")
        }
    }

    private static func validate(_ h: Header, path: String) throws {
        guard h.is64Bit else { throw Problem.notLoadable("is a 32-bit ELF file; this host loads 64-bit shared objects") }
        guard h.littleEndian else { throw Problem.notLoadable("is a big-endian ELF file; this host is little-endian") }
        guard h.type == 3 else { throw Problem.notLoadable("is an ELF file of type \(typeName(h.type)), not a shared object (ET_DYN)") }
        if let host = hostMachine, h.machine != host {
            throw Problem.notLoadable("is built for ELF machine \(machineName(h.machine)); this host is \(machineName(host))")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Problem.unreadable("cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }

        let phEnd = end(h.programHeaderOffset, UInt64(h.programHeaderEntrySize), UInt64(h.programHeaderCount))
        guard phEnd <= h.fileSize else {
            throw Problem.truncated("truncated ELF: the file is \(h.fileSize) bytes but its program headers end at byte \(phEnd)")
        }
        guard h.programHeaderEntrySize >= 56, h.programHeaderCount > 0 else {
            throw Problem.notLoadable("is an ELF shared object without usable program headers")
        }
        var loadEnd: UInt64 = 0
        for i in 0..<UInt64(h.programHeaderCount) {
            var ph = [UInt8](repeating: 0, count: 56)
            let offset = h.programHeaderOffset + i * UInt64(h.programHeaderEntrySize)
            guard pread(fd, &ph, 56, off_t(offset)) == 56 else {
                throw Problem.truncated("truncated ELF: program header \(i) cannot be read")
            }
            let type = le32(ph, 0)
            guard type == 1 else { continue } // PT_LOAD
            loadEnd = max(loadEnd, end(le64(ph, 8), le64(ph, 32), 1))
        }
        guard loadEnd <= h.fileSize else {
            throw Problem.truncated("truncated ELF: the file is \(h.fileSize) bytes but its loadable segments reach byte \(loadEnd)")
        }
        if h.sectionHeaderOffset != 0 {
            let shEnd = end(h.sectionHeaderOffset, UInt64(h.sectionHeaderEntrySize), UInt64(h.sectionHeaderCount))
            guard shEnd <= h.fileSize else {
                throw Problem.truncated("truncated ELF: the file is \(h.fileSize) bytes but its section headers end at byte \(shEnd)")
            }
        }
    }

    static func readHeader(path: String) throws -> Header {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Problem.unreadable("cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Problem.unreadable("cannot be examined: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Problem.unreadable("is not a regular file") }
        let size = UInt64(st.st_size)
        var b = [UInt8](repeating: 0, count: 64)
        let got = pread(fd, &b, 64, 0)
        guard got >= 0 else { throw Problem.unreadable("cannot be read: \(String(cString: strerror(errno)))") }
        let magic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
        guard got >= 4, Array(b[0..<4]) == magic else {
            let kind = got == 0 ? "an empty file" : "not an ELF file (it starts with \(describeStart(b, count: got)))"
            throw Problem.notELF("\(kind); a plugin must be an ELF shared object")
        }
        let is64 = b[4] == 2
        let headerSize = is64 ? 64 : 52
        guard got >= headerSize else {
            throw Problem.truncated("truncated ELF: the file is \(size) bytes, shorter than an ELF header (\(headerSize) bytes)")
        }
        let little = b[5] == 1
        if !is64 || !little {
            return Header(is64Bit: is64, littleEndian: little, type: 0, machine: 0, programHeaderOffset: 0, programHeaderEntrySize: 0,
                          programHeaderCount: 0, sectionHeaderOffset: 0, sectionHeaderEntrySize: 0, sectionHeaderCount: 0, fileSize: size)
        }
        return Header(is64Bit: true, littleEndian: true, type: le16(b, 16), machine: le16(b, 18),
                      programHeaderOffset: le64(b, 32), programHeaderEntrySize: le16(b, 54), programHeaderCount: le16(b, 56),
                      sectionHeaderOffset: le64(b, 40), sectionHeaderEntrySize: le16(b, 58), sectionHeaderCount: le16(b, 60),
                      fileSize: size)
    }

    /// `offset + size * count`, saturating instead of overflowing (a hostile header may hold anything).
    private static func end(_ offset: UInt64, _ size: UInt64, _ count: UInt64) -> UInt64 {
        let (product, o1) = size.multipliedReportingOverflow(by: count)
        let (sum, o2) = offset.addingReportingOverflow(product)
        return o1 || o2 ? UInt64.max : sum
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[i + $1]) << (8 * $1) } }
    private static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[i + $1]) << (8 * $1) } }

    private static func describeStart(_ b: [UInt8], count: Int) -> String {
        let head = b.prefix(min(count, 8))
        if head.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x0A || $0 == 0x09 }) {
            let text = String(decoding: head, as: UTF8.self).replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
            return "the text \"\(text)\""
        }
        return "bytes " + head.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
    }

    private static func typeName(_ t: UInt16) -> String {
        switch t {
        case 1: return "ET_REL (an object file: link it with -shared)"
        case 2: return "ET_EXEC (an executable)"
        case 4: return "ET_CORE (a core dump)"
        default: return String(t)
        }
    }

    private static func machineName(_ m: UInt16) -> String {
        switch m {
        case 3: return "x86 (3)"
        case 40: return "ARM (40)"
        case 62: return "x86-64 (62)"
        case 183: return "AArch64 (183)"
        case 243: return "RISC-V (243)"
        default: return String(m)
        }
    }
}
