import EWSExecutor
import EWSTestSupport
import Foundation
import Synchronization
@testable import ProviderHost

/// The C fixtures of `Fixtures/`, the C example plugin, and the two hand-made broken files, compiled once
/// per test run into a temporary folder. Tests copy what they need into folders of their own.
enum PluginFixtures {
    /// Fixture file name (in the build folder) → how to make it.
    private static let sources: [(file: String, source: String, flags: [String])] = [
        ("libgood.so", "good.c", []),
        ("libgood-thread-safe.so", "good.c", ["-DTHREAD_SAFE", "-DFIXTURE_ID=\"fixture-thread-safe\""]),
        ("libgarbage-hooks.so", "garbage_hooks.c", []),
        ("libno-version.so", "no_version.c", []),
        ("libwrong-version.so", "wrong_version.c", []),
        ("libno-entry.so", "no_entry.c", []),
        ("libentry-null.so", "entry_null.c", []),
        ("libentry-abort.so", "entry_abort.c", []),
        ("libentry-segv.so", "entry_segv.c", []),
        ("libentry-exit.so", "entry_exit.c", []),
        ("libentry-hang.so", "entry_hang.c", []),
        ("libctor-crash.so", "ctor_crash.c", []),
        ("libsmall-struct.so", "small_struct.c", []),
        ("libno-free.so", "no_free.c", []),
        ("libbad-manifest.so", "bad_manifest.c", []),
        ("libid-mismatch.so", "id_mismatch.c", []),
        ("libdup-a.so", "duplicate.c", []),
        ("libdup-b.so", "duplicate.c", []),
    ]

    /// The plugin kit's fixtures (loaded on their own, not in the broken-plugins folder).
    private static let kitSources: [(file: String, source: String, flags: [String])] = [
        ("liberror-channel.so", "error_channel.c", []),
        // Today's header's export macro: no attribute in the source, every other symbol hidden.
        ("libhidden-visibility.so", "hidden_visibility.c", ["-fvisibility=hidden"]),
    ]

    /// Built against the frozen ABI 1.0 header (Fixtures/abi-1.0), not today's.
    static let oldHeader = "libold-header.so"

    /// The C example plugin, built like `make plugins-c` does.
    static let cExample = "libewscheck-c-hoster.so"
    /// A good .so cut to 5000 bytes.
    static let truncated = "libtruncated.so"
    /// A text file named .so.
    static let notELF = "libnot-elf.so"

    static var fixtureDirectory: URL { Fixtures.repositoryRoot.appendingPathComponent("Tests/ProviderHostTests/Fixtures") }
    static var abiInclude: String { Fixtures.repositoryRoot.appendingPathComponent("plugins/abi/include").path }

    /// Every fixture, built once; the folder holds them all.
    static let built: Result<String, FixtureError> = build()

    /// The folder of built fixtures, or the reason they could not be built.
    static func directory() throws -> String { try built.get() }

    /// A fresh folder holding copies of `files` (names as in the build folder, or `as` renamed).
    static func folder(_ name: String, with files: [String], renamed: [String: String] = [:]) throws -> String {
        let source = try directory()
        let target = try Fixtures.temporaryDirectory(name)
        for file in files {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + (renamed[file] ?? file))
        }
        return target
    }

    /// A probe running the built `ewscheck plugins probe`.
    static func probe(timeout: Duration = .seconds(3)) -> PluginRegistry.Probe {
        var probe = PluginRegistry.Probe(command: [Fixtures.executable, "plugins", "probe"], timeout: timeout)
        probe.maximumConcurrent = 8
        return probe
    }

    /// A configuration that searches only `directories` (no environment, no executable folder).
    static func configuration(directories: [String] = [], files: [String] = [], timeout: Duration = .seconds(3)) -> PluginRegistry.Configuration {
        var configuration = PluginRegistry.Configuration(probe: probe(timeout: timeout), environment: [:])
        configuration.pluginDirectories = directories
        configuration.profileFiles = files
        configuration.executableDirectory = nil
        return configuration
    }

    /// Every fixture file name in the build folder.
    static var allFiles: [String] { sources.map(\.file) + [cExample, truncated, notELF] }

    private static func build() -> Result<String, FixtureError> {
        do {
            let dir = try Fixtures.temporaryDirectory("plugin-fixtures")
            var jobs: [(ChildProcess, String)] = []
            for (file, source, flags) in sources + kitSources {
                // -O0: the crash fixtures must crash the way they are written.
                jobs.append((try start(["cc", "-shared", "-fPIC", "-O0", "-Wall", "-Werror", "-I", abiInclude] + flags
                                       + ["-o", dir + "/" + file, fixtureDirectory.appendingPathComponent(source).path]), file))
            }
            let oldInclude = fixtureDirectory.appendingPathComponent("abi-1.0").path
            jobs.append((try start(["cc", "-shared", "-fPIC", "-O0", "-Wall", "-Werror", "-I", oldInclude, "-o", dir + "/" + oldHeader,
                                    fixtureDirectory.appendingPathComponent("old_header.c").path]), oldHeader))
            let example = Fixtures.repositoryRoot.appendingPathComponent("plugins/examples/c-hoster/c_hoster.c").path
            let jsonC = try output(["pkg-config", "--cflags", "--libs", "json-c"]).split(separator: " ").map(String.init)
            jobs.append((try start(["cc", "-shared", "-fPIC", "-O2", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror", "-I", abiInclude,
                                    "-o", dir + "/" + cExample, example] + jsonC), cExample))
            for (process, file) in jobs {
                let ended = process.waitBlocking()
                guard ended == .exited(0) else { return .failure(FixtureError("cc failed to build \(file) (\(ended)): \(process.stderr)")) }
            }
            let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/libgood.so"))
            try good.prefix(5000).write(to: URL(fileURLWithPath: dir + "/" + truncated))
            try Data("hello, I am not an ELF file\n".utf8).write(to: URL(fileURLWithPath: dir + "/" + notELF))
            return .success(dir)
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError("building the plugin fixtures failed: \(error)"))
        }
    }

    private static func start(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess("/usr/bin/env", arguments)
    }

    private static func output(_ arguments: [String]) throws -> String {
        let r = try ChildProcess.run("/usr/bin/env", arguments)
        guard r.status == 0 else { throw FixtureError("\(arguments.joined(separator: " ")) failed; is libjson-c-dev installed (make setup)? \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Runs `body` on `count` threads of their own at once (dedicated threads of the blocking
/// executor, not the cooperative pool) and waits for all.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        BlockingExecutor.shared.dedicatedThread("test-threads") {
            body(i)
            group.leave()
        }
    }
    group.wait()
}

/// A value many threads append to.
final class Collected<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func append(_ item: T) { items.locked { $0.append(item) } }
    var all: [T] { items.locked { $0 } }
}
