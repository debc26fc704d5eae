// libFuzzer entry point for every parser that reads untrusted bytes. Built only by `make fuzz`
// (EWSCHECK_FUZZ=1 adds this target; `-sanitize=fuzzer` provides `main`). The parser under test is
// chosen by EWSCHECK_FUZZ_TARGET; `scripts/fuzz.sh` runs each one for a bounded time.
@testable import Conformance
@testable import Discovery
import EWSProtocol
@testable import EWSSimulator
import Foundation
import ProviderManifest

/// The parsers, by the name `EWSCHECK_FUZZ_TARGET` uses.
enum FuzzTarget: String, CaseIterable {
    case soap, pox, soapAutodiscover = "soap-autodiscover", v2, dns, ntlm, digest, mime, manifest, hooks, target, xml

    /// Feeds one input to the parser; any outcome but a crash, a hang or a leak is fine.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .xml:
            _ = try? XMLTree(parsing: bytes)
        case .soap:
            if let response = try? SOAPResponse(bytes: bytes) {
                _ = response.bodyElement?.xml
                _ = response.fault?.faultString
            }
        case .pox:
            _ = POXAutodiscover.read(bytes)
        case .soapAutodiscover:
            _ = SOAPAutodiscover.read(bytes)
        case .v2:
            _ = AutodiscoverV2.read(bytes, protocol: "EWS")
        case .dns:
            let id = bytes.count >= 2 ? UInt16(bytes[0]) << 8 | UInt16(bytes[1]) : 0
            _ = try? DNSMessage.parse(bytes, expectedID: id)
        case .ntlm:
            _ = try? NTLMNegotiateMessage.parse(bytes)
            _ = try? NTLMAuthenticateMessage.parse(bytes)
        case .digest:
            _ = DigestAuthenticator.parse(String(decoding: bytes, as: UTF8.self))
        case .mime:
            _ = MIMEParser.parse(bytes)
        case .manifest:
            _ = try? ProviderManifest.parse(Data(bytes))
        case .hooks:
            let data = Data(bytes)
            _ = try? JSONDecoder().decode(AdjustRequestOutput.self, from: data)
            _ = try? JSONDecoder().decode(DiscoverEndpointOutput.self, from: data)
            _ = try? JSONDecoder().decode(AcquireTokenOutput.self, from: data)
            _ = try? JSONDecoder().decode(ClassifyResponseOutput.self, from: data)
        case .target:
            _ = try? TargetConfiguration.parse(yaml: String(decoding: bytes, as: UTF8.self), baseDirectory: "/nonexistent")
        }
    }
}

private let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["EWSCHECK_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("EWSCHECK_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(64)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected.run(bytes)
    return 0
}

/// libFuzzer's driver (`-sanitize=fuzzer` links it); called from the entry point SwiftPM gives an
/// executable target on Linux, which stands in for libFuzzer's own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("ewscheck_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    _ = selected
    return runDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
}
