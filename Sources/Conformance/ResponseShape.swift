import EWSProtocol
import EWSTransport
import Foundation

/// Names what came back where a SOAP 1.1 answer belongs but something else did: an HTML page
/// (a login form, an error page), a SOAP 1.2 envelope, a non-XML content type.
enum ResponseShape {
    static let soap11: StaticString = "http://schemas.xmlsoap.org/soap/envelope/"
    static let soap12: StaticString = "http://www.w3.org/2003/05/soap-envelope"

    /// The problem with the answer to a SOAP 1.1 request, or nil when it is shaped like one (or
    /// the exchange was no SOAP request, or has no answer to judge).
    static func problem(of exchange: HTTPExchange) -> String? {
        guard exchange.method == "POST", UTF8Search.contains(exchange.requestBody, soap11), let last = exchange.legs.last,
              let status = last.status, status == 200 || status == 500 else { return nil }
        let body = exchange.responseBody
        if let page = htmlTitle(body) { return "HTML page instead of SOAP: \(page)" }
        if UTF8Search.contains(body, soap12) { return "SOAP 1.2 envelope answering a SOAP 1.1 request" }
        let contentType = last.responseHeaders.first { $0.name.count == 12 && $0.name.lowercased() == "content-type" }?.value ?? ""
        if !body.isEmpty, !UTF8Search.containsIgnoringCase(contentType, "xml", within: .max) {
            return "wrong content type \(contentType.isEmpty ? "(none)" : contentType) for a SOAP answer (text/xml expected)"
        }
        return nil
    }

    /// For an answer that could not be read as EWS: what it was, in words a person recognises.
    static func describe<P>(_ call: EWSCall<P>) -> String {
        if let exchange = call.exchange, let page = htmlTitle(exchange.responseBody) {
            return "HTTP \(call.httpStatus ?? 0), HTML page instead of SOAP: \(page)"
        }
        if let body = call.exchange?.responseBody, UTF8Search.contains(body, soap12) {
            return "HTTP \(call.httpStatus ?? 0), SOAP 1.2 envelope answering a SOAP 1.1 request"
        }
        if let headers = call.exchange?.legs.last?.responseHeaders {
            // What a proxy or server did to the framing, named before the parse error it caused.
            let lengths = Set(headers.filter { $0.name.lowercased() == "content-length" }.map { $0.value.trimmingCharacters(in: .whitespaces) })
            if lengths.count > 1 {
                return "conflicting Content-Length headers (\(lengths.sorted().joined(separator: ", "))), a response-smuggling risk; \(call.summary)"
            }
            if let coding = headers.first(where: { $0.name.lowercased() == "content-encoding" })?.value,
               coding.lowercased() != "identity" {
                return "a body in Content-Encoding \(coding), which the request did not ask for (no Accept-Encoding) and is not decoded; \(call.summary)"
            }
        }
        return call.summary
    }

    /// `"<title>"` of an HTML document (`(untitled)` without one); nil when `body` is not HTML.
    static func htmlTitle(_ body: String) -> String? {
        // Byte-level: this runs on every answer a pass cites.
        guard UTF8Search.startsIgnoringCase(body, with: "<!doctype html") || UTF8Search.startsIgnoringCase(body, with: "<html")
              || (UTF8Search.startsIgnoringCase(body, with: "<?xml") && UTF8Search.containsIgnoringCase(body, "<html", within: 2048))
        else { return nil }
        return XMLPrescan.htmlTitle(in: Array(body.utf8.prefix(64 * 1024))).map { "\"\($0)\"" } ?? "(untitled)"
    }
}
