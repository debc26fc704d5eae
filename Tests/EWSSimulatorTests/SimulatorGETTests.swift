import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// What browsers and probing clients get from GET: the WSDL with a real address, and
/// Autodiscover's challenge and error page as Exchange's IIS answers them.
@Suite struct SimulatorGETTests {
    @Test func wsdlCarriesTheServiceAddress() async throws {
        try await Fixtures.withSimulator { sim in
            let t = SimulatorHTTPTests.transport(sim, .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)))
            let asmx = try await t.send(HTTPRequest(url: sim.ewsURL + "?wsdl"))
            let file = try await t.send(HTTPRequest(url: "https://mail.contoso.com:\(sim.port)/EWS/Services.wsdl"))
            let page = try await t.send(HTTPRequest(url: sim.ewsURL))
            for r in [asmx, file] {
                #expect(r.status == 200)
                #expect(r.text.contains("<soap:address location=\"https://mail.contoso.com:\(sim.port)/EWS/Exchange.asmx\""), "\(r.text.suffix(300))")
                #expect(!r.text.contains("location=\"\""))
            }
            #expect(page.text.contains("You have created a service"))
            // An authenticated HEAD is answered as the GET would be, without the body (IIS), not 405.
            let head = try await t.send(HTTPRequest(method: "HEAD", url: sim.ewsURL))
            let headWSDL = try await t.send(HTTPRequest(method: "HEAD", url: sim.ewsURL + "?wsdl"))
            #expect(head.status == 200 && head.body.isEmpty)
            #expect(headWSDL.status == 200 && headWSDL.body.isEmpty)
            let anonymousHead = try await SimulatorHTTPTests.transport(sim, .none).send(HTTPRequest(method: "HEAD", url: sim.ewsURL))
            #expect(anonymousHead.status == 401)
        }
    }

    @Test func autodiscoverGETIsChallengedThenAnsweredWithError600() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let url = "https://autodiscover.contoso.com:\(sim.port)/autodiscover/autodiscover.xml"
            let anonymous = try await SimulatorHTTPTests.transport(sim, .none).send(HTTPRequest(url: url))
            let signedIn = try await SimulatorHTTPTests.transport(sim, .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword))).send(HTTPRequest(url: url))
            let svc = try await SimulatorHTTPTests.transport(sim, .none).send(HTTPRequest(url: "https://autodiscover.contoso.com:\(sim.port)/autodiscover/autodiscover.svc"))
            #expect(anonymous.status == 401)
            #expect(anonymous.headers.contains { $0.name.lowercased() == "www-authenticate" })
            #expect(svc.status == 401)
            #expect(signedIn.status == 200)
            #expect(signedIn.text.contains("<ErrorCode>600</ErrorCode>"))
            #expect(signedIn.text.contains("<Message>Invalid Request</Message>"))
        }
    }
}
