// The probe process's side: run the loading steps on one file, report each stage as it starts, and
// the verdict at the end. Runs in a throw-away process, so a plugin that crashes, hangs or calls
// exit() costs only this process; the parent reads the last stage to say which step it was.

import Foundation
import ProviderManifest

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum ProbeChild {
    /// Environment variable with the whole seconds after which the probe ends itself (SIGALRM).
    static let deadlineVariable = "EWSCHECK_PROBE_DEADLINE_SECONDS"

    /// Probes `path`; with `exerciseHooks`, also calls every provided hook once with a sample input.
    /// Returns the process exit status (0 whenever a verdict was written).
    static func run(path: String, exerciseHooks: Bool) -> Int32 {
        // The protocol gets a private copy of stdout; fd 1 then points at stderr, so whatever the
        // plugin prints can never be mistaken for the protocol.
        let channel = dup(1)
        guard channel >= 0, dup2(2, 1) >= 0 else { return 70 }
        signal(SIGPIPE, SIG_IGN)
        // The parent kills the probe at its deadline; this alarm (a little later) ends a probe whose
        // parent is gone (interrupted), since the probe runs in its own process group and Ctrl-C
        // does not reach it.
        if let text = ProcessInfo.processInfo.environment[deadlineVariable], let seconds = UInt32(text), seconds > 0 {
            alarm(seconds)
        }

        func send(_ message: ProbeMessage) {
            guard var data = try? JSONEncoder().encode(message) else { return }
            data.append(0x0A)
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count, let base = buffer.baseAddress {
                    let n = write(channel, base + offset, buffer.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return }
                    offset += n
                }
            }
        }

        let identity = fileIdentity(path: path)
        let clock = ContinuousClock()
        let start = clock.now
        let loaded = PluginImage.load(path: path) { stage in send(ProbeMessage(stage: stage)) }
        let loadTime = clock.now - start
        var result = ProbeResult(hooks: [], file: identity, hookChecks: [], loadMicroseconds: microseconds(loadTime))
        switch loaded {
        case .failure(let diagnostic):
            result.failure = .init(code: diagnostic.code.description, reason: diagnostic.reason)
        case .success(let image):
            result.pluginID = image.manifest.id
            result.pluginVersion = image.pluginVersion
            result.threadSafe = image.threadSafe
            result.hooks = image.hooks
            if exerciseHooks {
                let hooks = PluginHooks(image: image)
                let samples = SampleHookInputs(manifest: image.manifest)
                for hook in image.hooks {
                    send(ProbeMessage(stage: .hook, hook: hook))
                    let began = clock.now
                    var check = ProbeResult.HookCheck(hook: hook, status: "answered", detail: "", microseconds: 0)
                    do {
                        let summary = try samples.call(hook, on: hooks)
                        if let summary { check.detail = summary } else { check.status = "declined" }
                    } catch where error.code == .hookFailed {
                        // The error channel is a valid answer (the samples name hosts that do not exist).
                        check.status = "failed-with-error"
                        check.detail = "answered through the error channel: \(error.reason)"
                    } catch {
                        check.status = error.code.description
                        check.detail = error.reason
                    }
                    check.microseconds = microseconds(clock.now - began)
                    result.hookChecks.append(check)
                }
            }
        }
        send(ProbeMessage(result: result))
        return 0
    }

    static func fileIdentity(path: String) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                            modifiedNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }

    static func microseconds(_ d: Duration) -> Int {
        let (seconds, attoseconds) = d.components
        return Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000)
    }
}
