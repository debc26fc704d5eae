import Foundation

/// Paths the tests need: the repository, `../shared` beside it (the EWS and report schemas, never
/// copied into the repository) and fresh temporary folders. A missing shared file fails the test
/// that asks for it (never a skip). The one copy of these helpers for every test target.
package enum TestPaths {
    /// The repository root, found from this file (`Tests/EWSTestSupport/TestPaths.swift`).
    package static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the repository.
    package static let shared: URL = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// The 2017 EWS schema folder, whether or not it is there.
    package static var ewsSchemaFolder: String { shared.appendingPathComponent("ews-schemas/v2017").path }

    /// The 2017 EWS schema folder; throws when it is missing.
    package static func ewsSchemaDirectory() throws -> String {
        let dir = ewsSchemaFolder
        guard FileManager.default.fileExists(atPath: dir + "/messages.xsd") else {
            throw FixtureError("the EWS schemas are missing at \(dir): these tests need ../shared/ews-schemas/v2017 beside the repository")
        }
        return dir
    }

    /// The Jenkins JUnit schema, whether or not it is there.
    package static var junitSchemaFile: String { shared.appendingPathComponent("report-schemas/jenkins-xunit-plugin-junit-10.xsd").path }

    /// The Jenkins JUnit schema; throws when it is missing.
    package static func junitSchema() throws -> String {
        let path = junitSchemaFile
        guard FileManager.default.fileExists(atPath: path) else {
            throw FixtureError("the JUnit schema is missing at \(path): these tests need ../shared/report-schemas beside the repository")
        }
        return path
    }

    /// Where ``temporaryDirectory(_:)`` makes folders called `name`.
    static func temporaryDirectoryPrefix(_ name: String) -> String { NSTemporaryDirectory() + "ewscheck-\(name)-" }

    /// A new empty folder under the temporary directory.
    package static func temporaryDirectory(_ name: String = "test") throws -> String {
        let path = temporaryDirectoryPrefix(name) + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
