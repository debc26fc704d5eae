import Foundation

/// What `ewscheck --version` says: the version and the commit it was built from. A release tree
/// (`make dist`) carries `BUILD-INFO` beside the executable; a build inside a checkout reads the
/// checkout's `HEAD`.
enum BuildInfo {
    /// `0.1.0 (commit 3f9a1c2b7d4e, built 2026-12-03T10:15:00Z)`.
    static func describe(version: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        if let info = try? String(contentsOf: folder.appendingPathComponent("BUILD-INFO"), encoding: .utf8) {
            let fields = Dictionary(info.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { a, _ in a })
            return "\(version) (commit \(fields["commit"] ?? "unknown"), built \(fields["built"] ?? "unknown"))"
        }
        if let commit = checkoutCommit(above: folder) { return "\(version) (commit \(commit), development build)" }
        return "\(version) (commit unknown)"
    }

    /// The commit `HEAD` names in the git checkout that contains `folder`, if any.
    static func checkoutCommit(above folder: URL) -> String? {
        var dir = folder
        for _ in 0..<8 {
            let git = dir.appendingPathComponent(".git")
            var gitDir = git
            // A worktree's .git is a file: "gitdir: /path".
            if let pointer = try? String(contentsOf: git, encoding: .utf8), pointer.hasPrefix("gitdir: ") {
                gitDir = URL(fileURLWithPath: pointer.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if let head = try? String(contentsOf: gitDir.appendingPathComponent("HEAD"), encoding: .utf8) {
                let text = head.trimmingCharacters(in: .whitespacesAndNewlines)
                guard text.hasPrefix("ref: ") else { return String(text.prefix(12)) }
                let ref = String(text.dropFirst(5))
                let common = (try? String(contentsOf: gitDir.appendingPathComponent("commondir"), encoding: .utf8))
                    .map { gitDir.appendingPathComponent($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? gitDir
                for base in [gitDir, common] {
                    if let hash = try? String(contentsOf: base.appendingPathComponent(ref), encoding: .utf8) {
                        return String(hash.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12))
                    }
                }
                if let packed = try? String(contentsOf: common.appendingPathComponent("packed-refs"), encoding: .utf8),
                   let line = packed.split(separator: "\n").first(where: { $0.hasSuffix(" " + ref) }) {
                    return String(line.prefix(12))
                }
                return nil
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}
