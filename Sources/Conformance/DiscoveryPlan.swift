import Discovery
import EWSTransport
import Foundation
import ProviderManifest

/// Which Autodiscover methods a run tests and how strictly: a profile's `discovery.methods` are
/// promises (each listed method must work); without one, every method is tried and those a
/// client would not need are skipped rather than failed.
package struct DiscoveryPlan: Sendable {
    /// The engine settings.
    package var configuration: DiscoveryConfiguration
    /// Whether every method in the plan must work (the plan came from a profile).
    package var strict: Bool
    /// Where the plan came from, for messages.
    package var source: String

    /// The plan for a target (its `discovery:` section) and an optional profile.
    package static func make(target: TargetConfiguration, profile: RunProfile?) -> DiscoveryPlan {
        let listed = profile?.manifest.discovery.methods ?? []
        let methods = listed.compactMap { DiscoveryMethod(rawValue: $0.method) }
        let profileAllows = listed.contains { $0.allowCrossDomainRedirect == true }
        var configuration = DiscoveryConfiguration(
            methods: methods.isEmpty ? DiscoveryMethod.clientOrder : methods,
            allowCrossDomainRedirect: (target.discovery?.allowCrossDomainRedirect ?? false) || profileAllows,
            dnsServer: target.discovery?.dnsServer)
        configuration.probeTLS = true
        // The URL the run discovered is not the user's: an Autodiscover answer that named it is judged
        // against what the user configured, so a cross-domain EWS URL stays flagged after it is used.
        configuration.credentialHosts = credentialHosts(target: target, listed: listed, configuredOnly: true)
        if let profile, !methods.isEmpty {
            return DiscoveryPlan(configuration: configuration, strict: true, source: "profile \(profile.id)")
        }
        let why = profile.map { "profile \($0.id) lists no Autodiscover method; every method tried" } ?? "every method tried (no profile)"
        return DiscoveryPlan(configuration: configuration, strict: false, source: why)
    }

    /// Hosts outside the discovery domain that may still receive credentials: the target's own
    /// EWS URL host (when it names one) and the hosts of the profile's fixed-URL templates (with
    /// `{domain}` filled in). Anything else an Autodiscover answer names is flagged and not used.
    /// With `configuredOnly`, an EWS URL the run discovered (rather than read from the target) is left out.
    static func credentialHosts(target: TargetConfiguration, listed: [ProviderManifest.DiscoveryMethod], configuredOnly: Bool = false) -> [String] {
        let domain = String(target.discovery?.address.split(separator: "@").last ?? "")
        let discovered = configuredOnly && target.discovery?.endpointWasDiscovered == true
        var urls: [String] = target.ewsURLIsPending || discovered ? [] : [target.ewsURL]
        urls += listed.compactMap { $0.method == "fixed-url" ? $0.urlTemplate?.replacingOccurrences(of: "{domain}", with: domain) : nil }
        var hosts: [String] = []
        for url in urls {
            guard let host = URLComponents(string: url)?.host?.lowercased(), !host.isEmpty, !hosts.contains(host) else { continue }
            hosts.append(host)
        }
        return hosts
    }
}

extension TargetConfiguration {
    /// For a target without `ews_url`: runs Autodiscover the way a client does (first method that
    /// finds an endpoint wins) and returns the target with that EWS URL. The target is returned
    /// unchanged when it names its URL, has no `discovery:` section, or nothing was found.
    package func discoveringEndpoint(credentials: HTTPCredentials, profile: RunProfile?) async -> (TargetConfiguration, DiscoveryReport?) {
        guard ewsURLIsPending, let discovery else { return (self, nil) }
        let plan = DiscoveryPlan.make(target: self, profile: profile)
        let transport = HTTPTransport(configuration: transportConfiguration(credentials: credentials, connections: 1))
        defer { transport.shutdown() }
        var quick = plan.configuration
        quick.probeTLS = false
        var target = self
        let domain = String(discovery.address.split(separator: "@").last ?? "")
        // A profile's plan is followed in its order: Autodiscover methods, a fixed URL template,
        // or the plugin's discover_endpoint hook; the first that gives an https URL wins.
        let listed = (profile?.manifest.discovery.methods ?? []).compactMap(EndpointStep.init)
        let steps = listed.isEmpty ? [EndpointStep.autodiscover(nil)] : listed
        var lastReport: DiscoveryReport?
        for step in steps {
            var found: String?
            switch step {
            case .fixedURL(let template):
                found = template?.replacingOccurrences(of: "{domain}", with: domain)
            case .pluginHook:
                if let discoverer = profile?.endpointDiscoverer {
                    let input = DiscoverEndpointInput(emailAddress: discovery.address, domain: domain)
                    found = await HookExecutor.call("discover_endpoint", profile) { discoverer(input)?.ewsURL }
                }
            case .autodiscover(let method):
                var settings = quick
                if let method { settings.methods = [method] }
                let report = await AutodiscoverEngine(transport: transport, configuration: settings).discover(discovery.address, mode: .firstFound)
                lastReport = report
                found = report.ewsURL
            }
            if let url = found, url.lowercased().hasPrefix("https://") {
                target.adopt(discoveredEWSURL: url)
                target.discovery?.endpointWasDiscovered = true
                target.discovery?.endpointSource = step.source
                return (target, lastReport)
            }
        }
        return (target, lastReport)
    }
}

/// One way to find the EWS URL, read from a profile's `discovery.methods` entry.
private enum EndpointStep {
    /// Autodiscover by one method, or by every method in the clients' order (nil: the profile lists none).
    case autodiscover(DiscoveryMethod?)
    /// A URL template (`{domain}` replaced).
    case fixedURL(template: String?)
    /// The plugin's `discover_endpoint` hook.
    case pluginHook

    /// Nil for a method name the manifest validation refuses anyway.
    init?(_ listed: ProviderManifest.DiscoveryMethod) {
        switch listed.method {
        case "fixed-url": self = .fixedURL(template: listed.urlTemplate)
        case "plugin-hook": self = .pluginHook
        default:
            guard let method = DiscoveryMethod(rawValue: listed.method) else { return nil }
            self = .autodiscover(method)
        }
    }

    /// How the report names the step that found the endpoint.
    var source: String {
        switch self {
        case .autodiscover(let method): return method?.rawValue ?? "autodiscover"
        case .fixedURL: return "fixed-url"
        case .pluginHook: return "plugin-hook"
        }
    }
}
