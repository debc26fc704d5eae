// The Swift side of the plugin ABI (plugins/abi/include/ewscheck_plugin.h): a plugin author describes
// the profile and its hooks as Swift values, and `export` turns them into the C descriptor. No Swift
// type crosses the boundary; the host sees C function pointers that take and return UTF-8 JSON.

@_exported import EWSCheckPluginWire
private import CEWSCheckPlugin
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A provider plugin: a profile (the manifest) plus optional hooks, exported through the C ABI.
///
/// Keep the value in a global `let` and export it from the one entry point of the shared object:
///
/// ```swift
/// import EWSCheckPluginSDK
///
/// let plugin = ProviderPlugin(manifest: ProviderManifest(...), hookThreading: .threadSafe,
///                             adjustRequest: { input in AdjustRequestOutput(setHeaders: ["X-Tenant": "a"]) })
///
/// @_cdecl("ewscheck_plugin_entry")
/// public func ewscheckPluginEntry(_ hostABIVersion: UInt32) -> UnsafeRawPointer? {
///     plugin.export(hostABIVersion: hostABIVersion)
/// }
/// ```
///
/// A hook closure returns `nil` for "nothing to change / not handled". One that throws is reported to
/// the host through the ABI's error channel (`{"error": {"message": …, "code": …}}`): throw a
/// ``PluginHookError`` to choose the message and code; any other error's description becomes the
/// message. The host then lists `<hook> failed: <message>` in the run's warnings. A hook must not crash:
/// a `fatalError` in a hook takes the host process down.
public final class ProviderPlugin: Sendable {

    /// Whether the host may call this plugin's hooks from several threads at once.
    public enum HookThreading: Sendable, Hashable {
        /// At most one hook call at a time (the host serialises). The safe default.
        case serialized
        /// Hooks may run concurrently; every closure must be thread-safe.
        case threadSafe
    }

    /// `adjust_request`: change the URL or headers of a request before it is sent.
    public typealias AdjustRequest = @Sendable (AdjustRequestInput) throws -> AdjustRequestOutput?
    /// `discover_endpoint`: find the EWS URL for an address in a custom way.
    public typealias DiscoverEndpoint = @Sendable (DiscoverEndpointInput) throws -> DiscoverEndpointOutput?
    /// `acquire_token`: obtain a bearer token in a custom way.
    public typealias AcquireToken = @Sendable (AcquireTokenInput) throws -> AcquireTokenOutput?
    /// `classify_response`: map a hoster's odd answer to a standard outcome.
    public typealias ClassifyResponse = @Sendable (ClassifyResponseInput) throws -> ClassifyResponseOutput?

    /// The ABI versions `export` accepts from a host.
    public static let supportedHostABIVersions: Set<UInt32> = [EWSCHECK_PLUGIN_ABI_VERSION]

    /// The profile.
    public let manifest: ProviderManifest
    /// How the host may call the hooks.
    public let hookThreading: HookThreading

    let adjustRequest: AdjustRequest?
    let discoverEndpoint: DiscoverEndpoint?
    let acquireToken: AcquireToken?
    let classifyResponse: ClassifyResponse?

    /// The descriptor once built (its address), or whether building it failed.
    private let exported = Mutex<(address: UInt?, failed: Bool)>((nil, false))

    /// Creates a plugin. Hooks left `nil` are not offered to the host.
    public init(manifest: ProviderManifest, hookThreading: HookThreading = .serialized,
                adjustRequest: AdjustRequest? = nil, discoverEndpoint: DiscoverEndpoint? = nil,
                acquireToken: AcquireToken? = nil, classifyResponse: ClassifyResponse? = nil) {
        self.manifest = manifest
        self.hookThreading = hookThreading
        self.adjustRequest = adjustRequest
        self.discoverEndpoint = discoverEndpoint
        self.acquireToken = acquireToken
        self.classifyResponse = classifyResponse
    }

    /// The hooks this plugin offers.
    public var providedHooks: [PluginHookName] {
        var hooks: [PluginHookName] = []
        if adjustRequest != nil { hooks.append(.adjustRequest) }
        if discoverEndpoint != nil { hooks.append(.discoverEndpoint) }
        if acquireToken != nil { hooks.append(.acquireToken) }
        if classifyResponse != nil { hooks.append(.classifyResponse) }
        return hooks
    }

    /// What `ewscheck_plugin_entry` returns: `nil` for a host ABI version this SDK does not speak,
    /// otherwise a pointer to an `ewscheck_plugin_descriptor` that lives as long as the process.
    ///
    /// The descriptor is built on the first call (thread-safe) and the same pointer is returned after.
    /// The manifest is not validated here: the host does that and reports every problem by JSON path,
    /// which says more than a refusal would. Run `ewscheck plugins verify` on the built plugin.
    public func export(hostABIVersion: UInt32) -> UnsafeRawPointer? {
        guard Self.supportedHostABIVersions.contains(hostABIVersion) else { return nil }
        let address: UInt? = exported.withLock { state in
            if let address = state.address { return address }
            if state.failed { return nil }
            guard let built = makeDescriptor() else {
                state.failed = true
                return nil
            }
            state.address = UInt(bitPattern: built)
            return state.address
        }
        return address.flatMap { UnsafeRawPointer(bitPattern: $0) }
    }

    /// Allocates the descriptor and its strings; none of it is ever freed (plugins are never unloaded).
    private func makeDescriptor() -> UnsafePointer<ewscheck_plugin_descriptor>? {
        guard let json = try? manifest.jsonData(),
              let manifestJSON = Self.mallocCString(json),
              let id = Self.mallocCString(Data(manifest.id.utf8)),
              let version = Self.mallocCString(Data(manifest.version.utf8)) else { return nil }
        let d = UnsafeMutablePointer<ewscheck_plugin_descriptor>.allocate(capacity: 1)
        d.initialize(to: ewscheck_plugin_descriptor(
            abi_version: EWSCHECK_PLUGIN_ABI_VERSION,
            struct_size: UInt32(MemoryLayout<ewscheck_plugin_descriptor>.size),
            plugin_id: UnsafePointer(id),
            plugin_version: UnsafePointer(version),
            manifest_json: UnsafePointer(manifestJSON),
            // Retained for the life of the process, like the descriptor that carries it.
            context: Unmanaged.passRetained(self).toOpaque(),
            hook_threading: hookThreading == .threadSafe ? EWSCHECK_HOOKS_THREAD_SAFE : EWSCHECK_HOOKS_SERIALIZED,
            reserved: 0,
            adjust_request: adjustRequest == nil ? nil : { context, input in
                ProviderPlugin.from(context)?.respond(input) { (plugin, i: AdjustRequestInput) in try plugin.adjustRequest?(i) }
            },
            discover_endpoint: discoverEndpoint == nil ? nil : { context, input in
                ProviderPlugin.from(context)?.respond(input) { (plugin, i: DiscoverEndpointInput) in try plugin.discoverEndpoint?(i) }
            },
            acquire_token: acquireToken == nil ? nil : { context, input in
                ProviderPlugin.from(context)?.respond(input) { (plugin, i: AcquireTokenInput) in try plugin.acquireToken?(i) }
            },
            classify_response: classifyResponse == nil ? nil : { context, input in
                ProviderPlugin.from(context)?.respond(input) { (plugin, i: ClassifyResponseInput) in try plugin.classifyResponse?(i) }
            },
            free_string: { _, string in free(string) }))
        return UnsafePointer(d)
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> ProviderPlugin? {
        context.map { Unmanaged<ProviderPlugin>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Decodes the input, runs the hook, encodes its answer as a malloc'd C string: NULL for `nil`,
    /// the output's JSON, or the error channel's `{"error": {...}}` when anything failed.
    private func respond<Input: Decodable, Output: Encodable>(
        _ input: UnsafePointer<CChar>?, _ hook: (ProviderPlugin, Input) throws -> Output?
    ) -> UnsafeMutablePointer<CChar>? {
        guard let input else {
            return Self.encode(PluginHookError.Envelope(error: .init(message: "the host passed no input", code: "input-missing")))
        }
        let bytes = Data(bytes: input, count: strlen(input))
        let value: Input
        do {
            value = try JSONDecoder().decode(Input.self, from: bytes)
        } catch {
            return Self.encode(PluginHookError.Envelope(error: .init(
                message: "the plugin could not read the host's input: \(error)", code: "input-unreadable")))
        }
        let failure: PluginHookError
        do {
            guard let output = try hook(self, value) else { return nil }
            if let encoded = Self.encode(output) { return encoded }
            failure = PluginHookError(message: "the plugin could not encode its output", code: "output-unencodable")
        } catch let error as PluginHookError {
            failure = error
        } catch {
            failure = PluginHookError(message: String(describing: error))
        }
        return Self.encode(PluginHookError.Envelope(error: failure))
    }

    /// `value` as sorted-key JSON in a malloc'd C string, or nil when it cannot be encoded.
    private static func encode(_ value: some Encodable) -> UnsafeMutablePointer<CChar>? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return nil }
        return mallocCString(data)
    }

    /// A NUL-terminated copy in malloc'd memory (so C `free` releases it), or nil for bytes with a NUL inside.
    private static func mallocCString(_ data: Data) -> UnsafeMutablePointer<CChar>? {
        guard !data.contains(0), let raw = malloc(data.count + 1) else { return nil }
        let p = raw.bindMemory(to: CChar.self, capacity: data.count + 1)
        data.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress { memcpy(p, base, data.count) }
        }
        p[data.count] = 0
        return p
    }
}
