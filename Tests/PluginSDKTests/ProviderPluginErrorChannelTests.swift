import CEWSCheckPlugin
import EWSCheckPluginSDK
import Foundation
import Testing

/// The Swift SDK's side of the error channel: what a hook closure's `nil`, answer or error becomes
/// at the C boundary, called exactly as the host calls it (through the exported descriptor).
@Suite("Plugin SDK: hook answers and the error channel at the C boundary")
struct ProviderPluginErrorChannelTests {
    private struct Unreachable: Error, CustomStringConvertible {
        var description: String { "the hoster's directory did not answer" }
    }

    private static let manifest = ProviderManifest(
        id: "sdk-test", name: "SDK test", version: "1.0.0", vendor: "tests",
        discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://ews.{domain}/EWS/Exchange.asmx")]),
        auth: .init(schemes: ["basic"]), ews: .init(requestServerVersion: "Exchange2016"))

    /// One plugin whose adjust_request answers by the impersonated mailbox: nil, a header, a
    /// PluginHookError, or another error.
    private static let plugin = ProviderPlugin(manifest: manifest, adjustRequest: { input in
        switch input.impersonatedMailbox {
        case nil: return nil
        case "typed@contoso.com": throw PluginHookError(message: "tenant suspended", code: "tenant-suspended")
        case "other@contoso.com": throw Unreachable()
        default: return AdjustRequestOutput(setHeaders: ["X-Tenant": "contoso.com"])
        }
    })

    /// Calls the exported adjust_request with `input` and returns its answer (nil for NULL).
    private func call(_ input: String) throws -> String? {
        let raw = try #require(Self.plugin.export(hostABIVersion: EWSCHECK_PLUGIN_ABI_VERSION))
        let descriptor = raw.assumingMemoryBound(to: ewscheck_plugin_descriptor.self).pointee
        let hook = try #require(descriptor.adjust_request)
        guard let answer = input.withCString({ hook(descriptor.context, $0) }) else { return nil }
        defer { descriptor.free_string?(descriptor.context, answer) }
        return String(cString: answer)
    }

    private func request(_ mailbox: String?) -> String {
        let m = mailbox.map { "\"\($0)\"" } ?? "null"
        return #"{"method":"POST","url":"https://ews.contoso.com/EWS/Exchange.asmx","headers":[],"operation":"GetFolder","impersonated_mailbox":\#(m)}"#
    }

    @Test("nil is NULL and an answer is its JSON")
    func nilAndAnswer() throws {
        #expect(try call(request(nil)) == nil)
        #expect(try call(request("alice@contoso.com")) == #"{"remove_headers":[],"set_headers":{"X-Tenant":"contoso.com"},"url":null}"#)
    }

    @Test("a thrown PluginHookError keeps its message and code")
    func typedError() throws {
        #expect(try call(request("typed@contoso.com")) == #"{"error":{"code":"tenant-suspended","message":"tenant suspended"}}"#)
    }

    @Test("any other error becomes the message, without a code")
    func otherError() throws {
        #expect(try call(request("other@contoso.com")) == #"{"error":{"message":"the hoster's directory did not answer"}}"#)
    }

    @Test("input the SDK cannot decode answers input-unreadable, not NULL")
    func unreadableInput() throws {
        let answer = try #require(try call("this is { not json"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        let error = try #require(object["error"] as? [String: Any])
        #expect(error["code"] as? String == "input-unreadable")
        #expect((error["message"] as? String)?.hasPrefix("the plugin could not read the host's input") == true)
    }

    @Test("the export is built once: every call returns the same descriptor")
    func exportOnce() throws {
        let a = try #require(Self.plugin.export(hostABIVersion: EWSCHECK_PLUGIN_ABI_VERSION))
        let b = try #require(Self.plugin.export(hostABIVersion: EWSCHECK_PLUGIN_ABI_VERSION))
        #expect(a == b)
        #expect(Self.plugin.export(hostABIVersion: EWSCHECK_PLUGIN_ABI_VERSION + 1) == nil)
    }
}
