internal import CEWSCheckPlugin
private import EWSExecutor
import Foundation
import Synchronization
import ProviderManifest

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The hooks of one loaded plugin, called through the C ABI with JSON in and out.
///
/// Calls are synchronous and run on the caller's thread (a hook is plugin code; it cannot be timed
/// out in-process, which is why `ewscheck plugins verify` times every hook in a probe process
/// first). When the plugin declares `EWSCHECK_HOOKS_SERIALIZED`, calls from any number of threads
/// or tasks are serialised so at most one runs at a time. A hook that is not provided, or that
/// returns NULL, yields `nil`. Output that is not the documented JSON, or that asks for something
/// the host refuses, throws a `PluginDiagnostic` naming the plugin file and the hook; it never
/// crashes the host.
package final class PluginHooks: @unchecked Sendable {
    // @unchecked: the descriptor is immutable process-lifetime memory owned by the plugin; the
    // only shared mutable thing, the plugin's own state, is guarded by `serializer` when the
    // plugin asks for it.

    /// The hooks the plugin provides, in ABI order.
    package let provided: [PluginHookName]
    /// Whether the plugin allows concurrent hook calls (`EWSCHECK_HOOKS_THREAD_SAFE`).
    package let threadSafe: Bool
    /// The plugin file.
    package let path: String

    /// Longest hook output accepted (`EWSCHECK_HOOK_OUTPUT_MAX`).
    package static let maximumOutputBytes = 1 << 20

    private let descriptor: UnsafePointer<ewscheck_plugin_descriptor>
    private let serializer: HookSerializer?

    init(image: PluginImage) {
        descriptor = image.descriptor
        provided = image.hooks
        threadSafe = image.threadSafe
        path = image.path
        serializer = image.threadSafe ? nil : HookSerializer.shared(for: image.descriptor)
    }

    /// Whether the plugin provides `hook`.
    package func provides(_ hook: PluginHookName) -> Bool { provided.contains(hook) }

    /// `adjust_request`: what to change about a request; `nil` means change nothing.
    package func adjustRequest(_ input: AdjustRequestInput) throws(PluginDiagnostic) -> AdjustRequestOutput? {
        try call(.adjustRequest, input, validate: { $0.validationProblems() })
    }

    /// `discover_endpoint`: the EWS URL for an address; `nil` means the hook did not find one.
    package func discoverEndpoint(_ input: DiscoverEndpointInput) throws(PluginDiagnostic) -> DiscoverEndpointOutput? {
        try call(.discoverEndpoint, input, validate: { $0.validationProblems() })
    }

    /// `acquire_token`: a bearer token; `nil` means the hook did not handle it. Neither side is ever logged:
    /// a diagnostic about this hook never quotes its input or output.
    package func acquireToken(_ input: AcquireTokenInput) throws(PluginDiagnostic) -> AcquireTokenOutput? {
        try call(.acquireToken, input, validate: { $0.validationProblems() })
    }

    /// `classify_response`: an outcome for an answer; `nil` means classify as usual.
    package func classifyResponse(_ input: ClassifyResponseInput) throws(PluginDiagnostic) -> ClassifyResponseOutput? {
        try call(.classifyResponse, input, validate: { $0.validationProblems() })
    }

    private func function(_ hook: PluginHookName) -> ewscheck_hook_fn? {
        switch hook {
        case .adjustRequest: return descriptor.pointee.adjust_request
        case .discoverEndpoint: return descriptor.pointee.discover_endpoint
        case .acquireToken: return descriptor.pointee.acquire_token
        case .classifyResponse: return descriptor.pointee.classify_response
        }
    }

    private func call<Input: Encodable, Output: Decodable>(
        _ hook: PluginHookName, _ input: Input, validate: (Output) -> [String]
    ) throws(PluginDiagnostic) -> Output? {
        guard let function = function(hook) else { return nil }
        let inputJSON: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            inputJSON = try encoder.encode(input)
        } catch {
            throw PluginDiagnostic(.hookOutputInvalid, path: path, "\(hook.rawValue): the host could not encode the input: \(error)")
        }
        let output = invoke(function, inputJSON)
        guard let output else { return nil }
        let secret = hook == .acquireToken
        let bytes: Data
        switch output {
        case .bytes(let data): bytes = data
        case .tooLong:
            throw PluginDiagnostic(.hookOutputInvalid, path: path, "\(hook.rawValue) returned more than \(Self.maximumOutputBytes) bytes")
        }
        // The error channel first: `{"error": {...}}` is a failure the plugin names, not an output.
        if Self.hasErrorKey(bytes) {
            let failure: PluginHookError.Envelope
            do {
                failure = try JSONDecoder().decode(PluginHookError.Envelope.self, from: bytes)
            } catch {
                throw PluginDiagnostic(.hookOutputInvalid, path: path, "\(hook.rawValue) answered an \"error\" that is not {\"message\": string, \"code\": string?}: \(Self.explain(error))")
            }
            let problems = failure.error.validationProblems()
            guard problems.isEmpty else {
                throw PluginDiagnostic(.hookOutputInvalid, path: path, "\(hook.rawValue) answered an error that is not valid: \(problems.joined(separator: "; "))")
            }
            // acquire_token's own words may still quote the secret it was given: never shown.
            let said = secret
                ? (failure.error.code.map { "[\($0)] " } ?? "") + "(the message is withheld: acquire_token's output is never shown)"
                : Self.clipped(failure.error.description)
            throw PluginDiagnostic(.hookFailed, path: path, "\(hook.rawValue) failed: \(said)")
        }
        let value: Output
        do {
            value = try JSONDecoder().decode(Output.self, from: bytes)
        } catch {
            let excerpt = secret ? "" : " (output starts: \(Self.excerpt(bytes)))"
            throw PluginDiagnostic(.hookOutputInvalid, path: path, "\(hook.rawValue) returned \(Self.explain(error))\(excerpt)")
        }
        let problems = validate(value)
        guard problems.isEmpty else {
            throw PluginDiagnostic(.hookOutputRefused, path: path, "\(hook.rawValue) output refused: \(problems.joined(separator: "; "))")
        }
        return value
    }

    private enum RawOutput {
        case bytes(Data)
        case tooLong
    }

    /// Calls the C hook with `input` and copies its answer out before handing it back to free_string.
    private func invoke(_ function: ewscheck_hook_fn, _ input: Data) -> RawOutput? {
        guard let serializer else { return invokeNow(function, input) }
        return serializer.lock.locked { _ in invokeNow(function, input) }
    }

    private func invokeNow(_ function: ewscheck_hook_fn, _ input: Data) -> RawOutput? {
        let context = descriptor.pointee.context
        var terminated = input
        terminated.append(0)
        let result: UnsafeMutablePointer<CChar>? = terminated.withUnsafeBytes { buffer in
            function(context, buffer.baseAddress?.assumingMemoryBound(to: CChar.self))
        }
        guard let result else { return nil }
        defer { descriptor.pointee.free_string?(context, result) }
        let length = strnlen(result, Self.maximumOutputBytes + 1)
        guard length <= Self.maximumOutputBytes else { return .tooLong }
        return .bytes(Data(bytes: result, count: length))
    }

    private static func explain(_ error: any Error) -> String {
        func at(_ path: [any CodingKey]) -> String {
            let p = path.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        switch error {
        case DecodingError.dataCorrupted(let c) where c.codingPath.isEmpty:
            return "output that is not valid JSON"
        case DecodingError.dataCorrupted(let c):
            return "JSON with an invalid value\(at(c.codingPath)): \(c.debugDescription)"
        case DecodingError.keyNotFound(let key, let c):
            return "JSON without the required key '\(key.stringValue)'\(at(c.codingPath))"
        case DecodingError.typeMismatch(_, let c):
            return "JSON of the wrong shape\(at(c.codingPath)): \(c.debugDescription)"
        case DecodingError.valueNotFound(_, let c):
            return "JSON with null where a value is required\(at(c.codingPath))"
        default:
            return "unreadable output: \(error)"
        }
    }

    /// Whether the output is a JSON object with a top-level `error` key (the error channel).
    private static func hasErrorKey(_ bytes: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else { return false }
        return object["error"] != nil
    }

    /// A plugin's error message, control characters blanked and cut to the documented length.
    private static func clipped(_ message: String) -> String {
        let clean = String(message.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        let limit = PluginHookError.maximumMessageLength
        return clean.count > limit ? String(clean.prefix(limit)) + "…" : clean
    }

    private static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(120), as: UTF8.self)
        let clean = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        return "\"" + clean + (data.count > 120 ? "…" : "") + "\""
    }
}

/// The lock that keeps a serialised plugin's hooks one at a time: one per descriptor for the whole
/// process, because discovering the same plugin twice yields two `PluginHooks` for one image, and they
/// must still never call into it at the same time. The lock guards no value: it is held across the call.
final class HookSerializer: Sendable {
    let lock = Mutex(())

    private static let all = Mutex<[UInt: HookSerializer]>([:])

    static func shared(for descriptor: UnsafePointer<ewscheck_plugin_descriptor>) -> HookSerializer {
        let key = UInt(bitPattern: descriptor)
        return all.locked { all in
            if let existing = all[key] { return existing }
            let made = HookSerializer()
            all[key] = made
            return made
        }
    }
}
