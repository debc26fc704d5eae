import Foundation
import ProviderManifest
import Testing

@Suite("Hook messages: the JSON each hook exchanges")
struct HookMessagesTests {
    private func json(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("adjust_request input has every documented key, null for absent optionals, and never Authorization")
    func adjustInput() throws {
        let input = AdjustRequestInput(method: "POST", url: "https://x/EWS/Exchange.asmx",
                                       headers: [.init(name: "Authorization", value: "Basic c2VjcmV0"), .init(name: "Accept", value: "text/xml")])
        let object = try json(input)
        #expect(Set(object.keys) == ["method", "url", "headers", "operation", "impersonated_mailbox"])
        #expect(object["operation"] is NSNull)
        #expect(object["impersonated_mailbox"] is NSNull)
        let headers = try #require(object["headers"] as? [[String: String]])
        #expect(headers == [["name": "Accept", "value": "text/xml"]])
    }

    @Test("classify_response input has every documented key, null for an absent response or fault code")
    func classifyInput() throws {
        let object = try json(ClassifyResponseInput(checkID: "auth.basic.accepted", httpStatus: 500, bodyExcerpt: "<s:Envelope/>"))
        #expect(Set(object.keys) == ["check_id", "http_status", "response_code", "fault_code", "body_excerpt"])
        #expect(object["response_code"] is NSNull)
        #expect(object["fault_code"] is NSNull)
        #expect(object["http_status"] as? Int == 500)
        #expect(object["check_id"] as? String == "auth.basic.accepted")
    }

    @Test("adjust_request output may leave out set_headers and remove_headers")
    func adjustOutputLenient() throws {
        let out = try JSONDecoder().decode(AdjustRequestOutput.self, from: Data(#"{"url": null}"#.utf8))
        #expect(out == AdjustRequestOutput())
    }

    @Test("Authorization, Host and Content-Length may be neither set nor removed, in any case")
    func protectedHeaders() {
        let out = AdjustRequestOutput(setHeaders: ["authorization": "x", "HOST": "y", "X-Ok": "z"], removeHeaders: ["Content-Length", "X-Old"])
        #expect(out.validationProblems() == ["set_headers may not set HOST", "set_headers may not set authorization", "remove_headers may not remove Content-Length"])
    }

    @Test("a header value with a line break and a non-https URL are refused")
    func injection() {
        let out = AdjustRequestOutput(url: "http://downgrade.example.com/EWS", setHeaders: ["X-A": "1\r\nX-Evil: 2"])
        #expect(out.validationProblems().count == 2)
    }

    @Test("classify_response outcomes are the five documented ones")
    func outcomes() throws {
        #expect(ClassifyResponseOutput.Outcome.allCases.map(\.rawValue) == ["passed", "failed", "expected_failure", "skipped", "errored"])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ClassifyResponseOutput.self, from: Data(#"{"outcome":"unexpected_pass","message":"m"}"#.utf8))
        }
    }

    @Test("acquire_token values redact their secrets when printed")
    func redaction() {
        let input = AcquireTokenInput(tenant: "t", clientID: "c", clientSecret: "hunter2", scope: "s", tokenEndpoint: "https://l")
        let output = AcquireTokenOutput(accessToken: "eyJ-token", expiresIn: 60)
        #expect(!"\(input)".contains("hunter2"))
        #expect(!String(reflecting: input).contains("hunter2"))
        #expect(!"\(output)".contains("eyJ-token"))
    }

    @Test("discover_endpoint output must be an absolute https URL")
    func endpointHTTPS() {
        #expect(DiscoverEndpointOutput(ewsURL: "https://ews.example.com/EWS/Exchange.asmx").validationProblems().isEmpty)
        #expect(DiscoverEndpointOutput(ewsURL: "http://ews.example.com/EWS/Exchange.asmx").validationProblems().count == 1)
        #expect(DiscoverEndpointOutput(ewsURL: "ews.example.com").validationProblems().count == 1)
    }
}
