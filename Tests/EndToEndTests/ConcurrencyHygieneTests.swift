import EWSTestSupport
import Foundation
import Testing

/// Shared state is guarded one way (`Mutex`), threads come from one place (the blocking
/// executor), and every `@unchecked Sendable` says why it is safe (issue 15, point 3). These scans
/// over Sources/ and Tests/ keep it that way.
@Suite struct ConcurrencyHygieneTests {
    static func code() throws -> [(path: String, text: String)] {
        let files = try RepositorySources.code(under: "Sources") + RepositorySources.code(under: "Tests", excluding: ["ConcurrencyHygieneTests.swift"])
        try #require(files.count > 100, "the sources were found at \(TestPaths.repositoryRoot.path)")
        return files
    }

    @Test("no NSLock or NSRecursiveLock anywhere: state is guarded by Mutex")
    func mutexOnly() throws {
        let offenders = try Self.code().filter { $0.text.contains("NSLock") || $0.text.contains("NSRecursiveLock") }.map(\.path)
        #expect(offenders.isEmpty, "\(offenders)")
    }

    @Test("every lock is taken through Mutex.locked, which tells ThreadSanitizer of the kernel's hand-over")
    func locksAreAnnotated() throws {
        let offenders = try Self.code().filter { $0.path != "Sources/EWSExecutor/Mutex+Locked.swift" && $0.text.contains(".withLock") }.map(\.path)
        #expect(offenders.isEmpty, "\(offenders)")
        #expect(try Self.code().contains { $0.text.contains(".locked {") }, "the scan sees the locks")
    }

    @Test("threads are started only by the blocking executor")
    func threadsOnlyFromTheExecutor() throws {
        let thread = /(^|[^A-Za-z0-9_.])Thread(\s*\{|\(|\.detachNewThread)/
        let offenders = try Self.code().filter { !$0.path.hasPrefix("Sources/EWSExecutor/") && $0.text.firstMatch(of: thread) != nil }.map(\.path)
        #expect(offenders.isEmpty, "\(offenders)")
        // The scan does see the executor's own threads.
        #expect(try Self.code().contains { $0.path.hasPrefix("Sources/EWSExecutor/") && $0.text.firstMatch(of: thread) != nil })
    }

    @Test("every @unchecked Sendable has a comment within three lines that says why it is safe")
    func uncheckedSendableIsExplained() throws {
        var unexplained: [String] = []
        var seen = 0
        let files = try RepositorySources.code(under: "Sources", keepingComments: true)
            + RepositorySources.code(under: "Tests", excluding: ["ConcurrencyHygieneTests.swift"], keepingComments: true)
        for file in files {
            let lines = file.text.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where line.contains(": @unchecked Sendable") || line.contains(", @unchecked Sendable") {
                seen += 1
                let around = lines[max(0, index - 3)...min(lines.count - 1, index + 3)]
                let comments = around.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
                if !comments.contains(where: { $0.contains("@unchecked") || $0.contains("thread-safe") || $0.contains("Sendable") }) {
                    unexplained.append("\(file.path):\(index + 1)")
                }
            }
        }
        #expect(seen > 5, "the scan found the declarations")
        #expect(unexplained.isEmpty, "say why each is safe: \(unexplained)")
    }
}
