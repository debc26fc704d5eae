import EWSTestSupport
import Foundation
import Testing

/// Every dependency a target declares on another target of this package is one it uses: an edge
/// nothing imports only slows the build and hides the real shape of the code (issue 15, point 3).
@Suite struct DependencyEdgeTests {
    @Test("each target imports every target of this package it declares as a dependency")
    func everyDeclaredEdgeIsUsed() throws {
        let manifest = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let declaration = /\.(?:target|testTarget|executableTarget|systemLibrary)\(\s*name:\s*"(\w[\w-]*)"/
        let starts = manifest.matches(of: declaration)
        let local = Set(starts.map { String($0.output.1) })
        #expect(local.contains("Conformance") && local.contains("EWSTestSupport"), "the manifest was not read: \(local)")
        var checked = 0
        var unused: [String] = []
        for (index, start) in starts.enumerated() {
            let name = String(start.output.1)
            let end = index + 1 < starts.count ? starts[index + 1].range.lowerBound : manifest.endIndex
            let block = manifest[start.range.lowerBound..<end]
            guard let list = block.firstMatch(of: /dependencies:\s*\[([^\]]*)\]/) else { continue }
            let dependencies = list.output.1.matches(of: /"(\w[\w-]*)"/).map { String($0.output.1) }.filter(local.contains)
            let folder = block.firstMatch(of: /path:\s*"([^"]+)"/).map { String($0.output.1) }
                ?? (block.hasPrefix(".testTarget") ? "Tests/\(name)" : "Sources/\(name)")
            let imported = try Self.importedModules(under: folder)
            for dependency in dependencies {
                checked += 1
                if !imported.contains(dependency) { unused.append("\(name) → \(dependency)") }
            }
        }
        #expect(checked > 40, "only \(checked) edges were checked")
        #expect(unused.isEmpty, "declared in Package.swift but imported by no file of the target: \(unused)")
    }

    /// The modules the Swift files under `folder` import (`import X`, `private import X`,
    /// `@_exported import X`, `@testable import X`).
    static func importedModules(under folder: String) throws -> Set<String> {
        var modules: Set<String> = []
        for file in try RepositorySources.code(under: folder) {
            for line in file.text.split(separator: "\n") {
                let words = line.split(separator: " ").filter { !$0.hasPrefix("@") && !["private", "internal", "package", "public"].contains($0) }
                if words.count >= 2, words[0] == "import" { modules.insert(String(words[1])) }
            }
        }
        return modules
    }
}
