import EWSTestSupport
import Foundation
@testable import ProviderHost
import Testing

@Suite("Probe: the child process and what the host makes of it")
struct ProbeTests {
    @Test("a probe command that cannot run is a probe failure, nothing is loaded, and verify says it could not tell")
    func probeCommandMissing() throws {
        let folder = try PluginFixtures.folder("bad-probe", with: ["libgood.so"])
        var configuration = PluginFixtures.configuration(directories: [folder])
        configuration.probe.command = ["/nonexistent/ewscheck", "plugins", "probe"]
        let registry = PluginRegistry.discover(configuration)
        #expect(registry.profiles.isEmpty)
        #expect(registry.diagnostics.map(\.code) == [.probeFailed])
        #expect(registry.diagnostics.first?.reason.contains("could not run the probe command") == true)

        let verification = PluginVerification.run(path: folder + "/libgood.so", probe: configuration.probe)
        #expect(verification.inconclusive)
        #expect(!verification.passed)
    }

    @Test("a probe command that gives no verdict is a probe failure, not a plugin failure")
    func probeCommandSilent() throws {
        let folder = try PluginFixtures.folder("silent-probe", with: ["libgood.so"])
        var configuration = PluginFixtures.configuration(directories: [folder])
        configuration.probe.command = ["/bin/false"]
        let registry = PluginRegistry.discover(configuration)
        #expect(registry.diagnostics.map(\.code) == [.probeFailed])
        #expect(registry.diagnostics.first?.reason.contains("exited with status 1 without a verdict") == true)
    }

    @Test("the probe reports each stage, and the verdict with the file's identity")
    func stages() throws {
        let folder = try PluginFixtures.folder("stages", with: ["libgood.so"])
        let runner = ProbeRunner(executable: Fixtures.executable, timeout: .seconds(5), environment: ProcessInfo.processInfo.environment, maximumConcurrent: 1)
        let outcome = try #require(runner.run([.init(arguments: ["plugins", "probe", "--", folder + "/libgood.so"])]).first)
        #expect(outcome.termination == .exited(0))
        #expect(outcome.messages.compactMap(\.stage) == [.elfCheck, .dlopen, .versionSymbol, .entry, .descriptor, .manifest])
        let result = try #require(outcome.messages.last?.result)
        #expect(result.failure == nil)
        #expect(result.pluginID == "fixture-good")
        #expect(result.file == ProbeChild.fileIdentity(path: folder + "/libgood.so"))
    }

    @Test("an orphaned probe ends itself at its own deadline even when nobody kills it")
    func probeDeadline() throws {
        let folder = try PluginFixtures.folder("deadline", with: ["libentry-hang.so"])
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment[ProbeChild.deadlineVariable] = "1"
        let runner = ProbeRunner(executable: Fixtures.executable, timeout: .seconds(20), environment: environment, maximumConcurrent: 1)
        let outcome = try #require(runner.run([.init(arguments: ["plugins", "probe", "--", folder + "/libentry-hang.so"])]).first)
        #expect(outcome.termination == .signaled(SIGALRM))
        #expect(!outcome.timedOut)
        #expect(outcome.elapsed < .seconds(10))
    }

    @Test("a plugin replaced after its probe is not loaded")
    func changedSinceProbe() throws {
        let folder = try PluginFixtures.folder("changed", with: ["libgood.so"])
        var identity = try #require(ProbeChild.fileIdentity(path: folder + "/libgood.so"))
        identity.size += 1
        let result = PluginRegistry.loadInProcess(folder + "/libgood.so", probed: identity)
        guard case .failure(let problem) = result else {
            Issue.record("loaded a file that changed since its probe")
            return
        }
        #expect(problem.code == .changedSinceProbe)
    }

    @Test("verify in the library: the C example passes every check, hooks included")
    func verifyLibrary() throws {
        let folder = try PluginFixtures.folder("verify-lib", with: [PluginFixtures.cExample])
        let verification = PluginVerification.run(path: folder + "/" + PluginFixtures.cExample, probe: PluginFixtures.probe())
        #expect(verification.passed, "\(verification.checks)")
        #expect(verification.checks.contains { $0.title.hasPrefix("hook adjust_request") && $0.passed })
        #expect(verification.manifest?.id == "c-hoster")
    }

    @Test("verify times out a plugin that hangs in its entry point, as a failure the plugin owns")
    func verifyHang() throws {
        let folder = try PluginFixtures.folder("verify-hang", with: ["libentry-hang.so"])
        let verification = PluginVerification.run(path: folder + "/libentry-hang.so", probe: PluginFixtures.probe(timeout: .seconds(1)))
        #expect(!verification.passed)
        #expect(!verification.inconclusive)
        #expect(verification.checks.first?.detail.contains("did not return within 1 s") == true)
    }

    @Test("signal names carry the symbolic name and the description")
    func signalNames() {
        #expect(PluginRegistry.signalName(SIGSEGV) == "SIGSEGV (Segmentation fault)")
        #expect(PluginRegistry.signalName(SIGBUS).hasPrefix("SIGBUS ("))
    }
}
