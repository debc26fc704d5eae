// The sample inputs `ewscheck plugins verify` sends every provided hook. Domains are under the
// reserved `.invalid` TLD, so a hook that does network I/O fails fast instead of reaching anyone,
// and the client secret is a marker no real tenant accepts.

import Foundation
import ProviderManifest

struct SampleHookInputs {
    let manifest: ProviderManifest

    var adjustRequest: AdjustRequestInput {
        AdjustRequestInput(
            method: "POST", url: "https://mail.ewscheck-verify.invalid/EWS/Exchange.asmx",
            headers: [.init(name: "Content-Type", value: "text/xml; charset=utf-8"),
                      .init(name: "Accept", value: "text/xml"),
                      .init(name: "User-Agent", value: "ewscheck plugins verify")],
            operation: "GetFolder", impersonatedMailbox: "alice@ewscheck-verify.invalid")
    }

    var discoverEndpoint: DiscoverEndpointInput {
        DiscoverEndpointInput(emailAddress: "alice@ewscheck-verify.invalid", domain: "ewscheck-verify.invalid")
    }

    var acquireToken: AcquireTokenInput {
        let tenant = "ewscheck-verify.invalid"
        let endpoint = manifest.auth.oauth?.tokenEndpointTemplate.replacingOccurrences(of: "{tenant}", with: tenant)
            ?? "https://login.ewscheck-verify.invalid/\(tenant)/oauth2/v2.0/token"
        let scope = manifest.auth.oauth?.scopeTemplate.replacingOccurrences(of: "{tenant}", with: tenant)
            ?? "https://outlook.ewscheck-verify.invalid/.default"
        return AcquireTokenInput(tenant: tenant, clientID: "00000000-0000-0000-0000-000000000000",
                                 clientSecret: "ewscheck-verify-not-a-secret", scope: scope, tokenEndpoint: endpoint)
    }

    var classifyResponse: ClassifyResponseInput {
        ClassifyResponseInput(
            checkID: "impersonation.out-of-scope.denied", httpStatus: 500, responseCode: "ErrorImpersonateUserDenied",
            faultCode: nil,
            bodyExcerpt: "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>…</s:Body></s:Envelope>")
    }

    /// Calls `hook` with its sample; returns a one-line summary of the answer, or nil when it declined (NULL).
    func call(_ hook: PluginHookName, on hooks: PluginHooks) throws(PluginDiagnostic) -> String? {
        switch hook {
        case .adjustRequest:
            guard let out = try hooks.adjustRequest(adjustRequest) else { return nil }
            var parts: [String] = []
            if let url = out.url { parts.append("url → \(url)") }
            if !out.setHeaders.isEmpty { parts.append("sets " + out.setHeaders.keys.sorted().joined(separator: ", ")) }
            if !out.removeHeaders.isEmpty { parts.append("removes " + out.removeHeaders.joined(separator: ", ")) }
            return parts.isEmpty ? "changes nothing" : parts.joined(separator: "; ")
        case .discoverEndpoint:
            guard let out = try hooks.discoverEndpoint(discoverEndpoint) else { return nil }
            return "ews_url \(out.ewsURL)"
        case .acquireToken:
            guard let out = try hooks.acquireToken(acquireToken) else { return nil }
            return "a token (\(out.accessToken.utf8.count) bytes, not shown) expiring in \(out.expiresIn) s"
        case .classifyResponse:
            guard let out = try hooks.classifyResponse(classifyResponse) else { return nil }
            return "\(out.outcome.rawValue): \(out.message.prefix(120))"
        }
    }
}
