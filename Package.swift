// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ewscheck",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ewscheck", targets: ["ewscheck"]),
        // Built-in provider profiles: plugins loaded at run time from beside the executable.
        .library(name: "ewscheck-profile-exchange-online", type: .dynamic, targets: ["ProfileExchangeOnline"]),
        .library(name: "ewscheck-profile-exchange-onprem", type: .dynamic, targets: ["ProfileExchangeOnPrem"]),
        .library(name: "ewscheck-profile-generic-hoster", type: .dynamic, targets: ["ProfileGenericHoster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // C shims: typed wrappers over libcurl (libssl only to name its session's protocol and cipher)
        // and libxml2. Only Swift files in the modules below import them, privately, so no C type reaches a public signature.
        .systemLibrary(
            name: "CEWSCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev", "libssl-dev"])]
        ),
        .systemLibrary(
            name: "CEWSXML",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // MIT Kerberos GSS-API: the simulator's Negotiate acceptor and the harness's Kerberos tickets.
        .systemLibrary(
            name: "CEWSGSS",
            providers: [.apt(["libkrb5-dev"])]
        ),
        // The plugin ABI: the C header plugins and host share, and the version symbol plugins export.
        .target(name: "CEWSCheckPlugin", path: "plugins/abi", publicHeadersPath: "include"),
        // The wire model of the plugin ABI: the profile format and the hook messages, as plugins and
        // host exchange them as JSON. The SDK re-exports it; it is all a plugin author sees of the host.
        .target(name: "EWSCheckPluginWire", path: "plugins/wire"),
        // The host's side of the profile format: the wire model (re-exported) and its validation.
        .target(name: "ProviderManifest", dependencies: ["EWSCheckPluginWire"]),
        // The Swift SDK for writing provider plugins.
        .target(name: "EWSCheckPluginSDK", dependencies: ["CEWSCheckPlugin", "EWSCheckPluginWire"], path: "plugins/sdk"),
        .target(name: "ProfileExchangeOnline", dependencies: ["EWSCheckPluginSDK"], path: "plugins/exchange-online"),
        .target(name: "ProfileExchangeOnPrem", dependencies: ["EWSCheckPluginSDK"], path: "plugins/exchange-onprem"),
        .target(name: "ProfileGenericHoster", dependencies: ["EWSCheckPluginSDK"], path: "plugins/generic-hoster"),
        // The one bounded pool of threads for blocking work (hooks, DNS, probes, the simulator's handling).
        // ThreadSanitizer's lock annotations (weak: nothing outside a sanitizer build).
        .target(name: "CEWSTSan"),
        .target(name: "EWSExecutor", dependencies: ["CEWSTSan"]),
        // Finds, probes, loads and validates provider plugins.
        .target(name: "ProviderHost", dependencies: ["CEWSCheckPlugin", "ProviderManifest", "EWSExecutor"]),
        // Crypto: RS256 client assertions for OAuth with a certificate.
        .target(name: "EWSTransport", dependencies: [
            "EWSExecutor", "CEWSCurl", "CEWSGSS", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "EWSProtocol", dependencies: ["CEWSXML", "EWSExecutor", "EWSTransport"]),
        // The Autodiscover engine: every method, every hop recorded (TLS facts from the transport).
        .target(name: "Discovery", dependencies: ["EWSExecutor", "EWSTransport", "EWSProtocol"]),
        .target(
            name: "Conformance",
            dependencies: [
                "EWSExecutor", "EWSTransport", "EWSProtocol", "ProviderManifest", "Discovery",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(name: "Reports", dependencies: ["Conformance", "EWSExecutor", "EWSProtocol", "EWSTransport"]),
        .target(
            name: "EWSSimulator",
            dependencies: [
                "EWSExecutor", "EWSProtocol", "EWSTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "ewscheck",
            dependencies: [
                "Conformance", "Reports", "EWSExecutor", "EWSSimulator", "EWSTransport", "ProviderHost", "ProviderManifest", "Discovery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Paths to ../shared and a simulator helper, shared by the test targets.
        // Sets the test process's environment before main (setenv later races with spawning children).
        .target(name: "CEWSTestEnvironment", path: "Tests/CEWSTestEnvironment"),
        .target(name: "EWSTestSupport", dependencies: ["EWSSimulator", "EWSProtocol", "EWSTransport", "EWSExecutor", "CEWSTestEnvironment"], path: "Tests/EWSTestSupport"),
        .testTarget(name: "EWSTransportTests", dependencies: ["EWSTransport", "EWSSimulator", "EWSTestSupport", "EWSExecutor"]),
        .testTarget(name: "EWSProtocolTests", dependencies: ["EWSProtocol", "EWSTransport", "EWSTestSupport"]),
        .testTarget(name: "EWSSimulatorTests", dependencies: ["EWSSimulator", "EWSProtocol", "EWSTransport", "EWSTestSupport", "EWSExecutor"]),
        .testTarget(name: "ConformanceTests", dependencies: ["Conformance", "EWSSimulator", "Reports", "EWSTestSupport", "EWSExecutor"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Conformance", "EWSProtocol", "EWSTransport", "EWSTestSupport", "EWSExecutor"]),
        .testTarget(name: "EndToEndTests", dependencies: ["EWSSimulator", "EWSProtocol", "EWSTransport", "Conformance", "EWSTestSupport"]),
        .testTarget(name: "ProviderManifestTests", dependencies: ["ProviderManifest"]),
        .testTarget(name: "PluginSDKTests", dependencies: ["EWSCheckPluginSDK", "CEWSCheckPlugin"]),
        .testTarget(name: "DiscoveryTests", dependencies: ["Discovery", "EWSSimulator", "EWSTransport", "EWSTestSupport"]),
        .testTarget(name: "ProviderHostTests", dependencies: ["ProviderHost", "ProviderManifest", "EWSTestSupport", "EWSExecutor"],
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)

// `make fuzz` only: the libFuzzer entry point over every parser of untrusted bytes (built with
// `-sanitize=fuzzer`, which provides `main`; see scripts/fuzz.sh).
if Context.environment["EWSCHECK_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "ewscheck-fuzz",
        dependencies: ["Conformance", "Discovery", "EWSProtocol", "EWSSimulator", "ProviderManifest"],
        path: "Fuzz",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
