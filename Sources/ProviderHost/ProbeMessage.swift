// What the probe child writes to its stdout, one JSON object per line: a `stage` line before each
// loading step (so the parent can tell which step crashed or hung), then one `result` line.
// Both sides are this library, so the format is internal; it is versioned only by the build.

import Foundation
import ProviderManifest

struct ProbeMessage: Codable, Sendable {
    var stage: PluginImage.Stage?
    var hook: PluginHookName?
    var result: ProbeResult?

    enum CodingKeys: String, CodingKey { case stage, hook, result }
}

/// The child's verdict on one candidate.
struct ProbeResult: Codable, Sendable {
    /// `nil` when every step passed.
    var failure: Failure?
    var pluginID: String?
    var pluginVersion: String?
    var threadSafe: Bool?
    var hooks: [PluginHookName]
    var file: FileIdentity?
    /// One entry per provided hook when the probe was asked to exercise them.
    var hookChecks: [HookCheck]
    /// How long the child spent loading (dlopen to manifest), in microseconds.
    var loadMicroseconds: Int?

    struct Failure: Codable, Sendable {
        var code: String
        var reason: String
    }

    struct HookCheck: Codable, Sendable {
        var hook: PluginHookName
        /// `answered`, `declined` (NULL) or a diagnostic code.
        var status: String
        var detail: String
        var microseconds: Int

        enum CodingKeys: String, CodingKey { case hook, status, detail, microseconds }
    }

    enum CodingKeys: String, CodingKey {
        case failure
        case pluginID = "plugin_id"
        case pluginVersion = "plugin_version"
        case threadSafe = "thread_safe"
        case hooks, file
        case hookChecks = "hook_checks"
        case loadMicroseconds = "load_microseconds"
    }
}

/// Enough of `stat` to notice that a file was replaced between the probe and the in-process load.
struct FileIdentity: Codable, Sendable, Hashable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedNanoseconds: Int64

    enum CodingKeys: String, CodingKey {
        case device, inode, size
        case modifiedNanoseconds = "modified_ns"
    }
}
