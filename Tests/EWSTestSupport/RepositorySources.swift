import Foundation

/// The repository's own source files, read for tests that scan the code (one owner per C library,
/// test hygiene, the public surface): each with its path relative to the repository and its text
/// without comment lines, since a comment may name what the code must not do.
package enum RepositorySources {
    /// Every file under `folder` (relative to the repository) whose name ends with one of
    /// `suffixes`, but those whose path ends with one of `excluding`; sorted by path. With
    /// `keepingComments`, the text is the file as it is.
    /// - Throws: when the folder cannot be listed or a file read.
    package static func code(under folder: String, suffixes: [String] = [".swift"],
                             excluding: [String] = [], keepingComments: Bool = false) throws -> [(path: String, text: String)] {
        let root = TestPaths.repositoryRoot.appendingPathComponent(folder)
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: root.path])
        }
        var files: [(path: String, text: String)] = []
        while let relative = enumerator.nextObject() as? String {
            guard suffixes.contains(where: { relative.hasSuffix($0) }), !excluding.contains(where: { relative.hasSuffix($0) }) else { continue }
            let text = try String(contentsOfFile: root.appendingPathComponent(relative).path, encoding: .utf8)
            if keepingComments {
                files.append((folder + "/" + relative, text))
                continue
            }
            let code = text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
                let trimmed = line.drop { $0 == " " }
                return !(trimmed.hasPrefix("//") || trimmed.hasPrefix("/*") || trimmed.hasPrefix("*"))
            }
            files.append((folder + "/" + relative, code.joined(separator: "\n")))
        }
        return files.sorted { $0.path < $1.path }
    }
}
