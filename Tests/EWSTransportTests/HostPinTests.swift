import EWSTransport
import Testing

@Suite struct HostPinTests {
    @Test func parsesResolveForm() throws {
        let pin = try #require(HostPin(parsing: "mail.contoso.com:443:127.0.0.1"))
        #expect(pin.host == "mail.contoso.com")
        #expect(pin.port == 443)
        #expect(pin.address == "127.0.0.1")
        #expect(pin.connectPort == nil)
        #expect(pin.description == "mail.contoso.com:443:127.0.0.1")
    }

    @Test func parsesConnectToFormAndIPv6() throws {
        let pin = try #require(HostPin(parsing: "outlook.office365.com:443:[::1]:8443"))
        #expect(pin.address == "::1")
        #expect(pin.connectPort == 8443)
        #expect(pin.description == "outlook.office365.com:443:[::1]:8443")
    }

    @Test(arguments: ["", "host", "host:443", "host:0:1.2.3.4", "host:99999:1.2.3.4", ":443:1.2.3.4",
                      "host:x:1.2.3.4", "host:443:", "host:443:[::1", "host:443:1.2.3.4:notaport", "host:443:1.2.3.4:0"])
    func rejectsMalformedPins(_ text: String) {
        #expect(HostPin(parsing: text) == nil)
    }
}
