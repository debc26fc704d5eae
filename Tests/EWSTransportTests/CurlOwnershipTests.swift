import EWSTestSupport
import Foundation
import Testing

/// libcurl has one owner: EWSTransport initialises it once, makes every handle in one place and
/// reads TLS facts from the session, never from libcurl's log text.
@Suite struct CurlOwnershipTests {
    /// Every Swift, C and header file under Sources/, by path relative to the repository, with
    /// comment lines removed (a comment may name what the code must not call).
    static func sources() throws -> [(path: String, text: String)] {
        let files = try RepositorySources.code(under: "Sources", suffixes: [".swift", ".c", ".h"])
        try #require(files.count > 50, "Sources/ was found at \(TestPaths.repositoryRoot.path)")
        return files
    }

    static func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test("curl_global_init is called exactly once in the program, in EWSTransport")
    func oneGlobalInit() throws {
        let hits = try Self.sources().flatMap { file in
            Array(repeating: file.path, count: Self.occurrences(of: "curl_global_init(", in: file.text))
        }
        #expect(hits == ["Sources/EWSTransport/CurlEasyHandle.swift"], "calls: \(hits)")
    }

    @Test("every libcurl handle is made and cleaned up by CurlEasyHandle, which alone sets pins, trust and cancellation")
    func oneHandleOwner() throws {
        let sources = try Self.sources()
        for name in ["curl_easy_init(", "curl_easy_cleanup(", "CURLOPT_RESOLVE", "CURLOPT_CONNECT_TO", "CURLOPT_ERRORBUFFER",
                     "CURLOPT_XFERINFODATA", "CURLOPT_CAINFO", "CURLOPT_SSLCERT"] {
            let files = sources.filter { Self.occurrences(of: name, in: $0.text) > 0 }.map(\.path)
            #expect(files == ["Sources/EWSTransport/CurlEasyHandle.swift"], "\(name) in \(files)")
        }
        // One debug callback (the transport's request-header capture).
        let debug = sources.filter { $0.text.contains("cews_setopt_debug_cb(handle") }.map(\.path)
        #expect(debug == ["Sources/EWSTransport/CurlHandle.swift"], "CURLOPT_DEBUGFUNCTION set in \(debug)")
    }

    @Test("only EWSTransport imports the libcurl shim, and no TLS fact is read from log text")
    func shimStaysInTheTransport() throws {
        for file in try Self.sources() {
            if file.text.contains("import CEWSCurl") {
                #expect(file.path.hasPrefix("Sources/EWSTransport/"), "\(file.path) imports CEWSCurl")
            }
            #expect(!file.text.contains("SSL connection using"), "\(file.path) scrapes libcurl's verbose text")
            // Discovery's old magic result codes (60, 77, 83).
            #expect(!file.text.contains("code == 60"), "\(file.path) compares a libcurl result to a bare number")
        }
    }
}
