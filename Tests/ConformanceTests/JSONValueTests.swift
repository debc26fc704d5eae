@testable import Conformance
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// `JSONValue` writes what `JSONSerialization` wrote for ctrf.json and the cleanup ledger, and
/// the evidence spool's hand-written lines read back as the exchanges they were made from.
@Suite("JSON written by hand")
struct JSONValueTests {
    /// Strings with everything JSON escapes and much it does not.
    static let strings = ["", "plain", "quote \" and backslash \\", "slash / stays", "line\nfeed\r\ttab",
                          "\u{08}\u{0C}\u{01}\u{1F}\u{7F}", "Grüße 👋🏽", "\u{2028}\u{2029}", "<t:Subject>x</t:Subject>"]

    /// A random value whose keys are lowercase letters (where `JSONSerialization`'s collation and
    /// code-point order agree) and with no floating-point numbers.
    static func randomValue(_ rng: inout SeededGenerator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 3 : 5), using: &rng) {
        case 0: return .string(strings.randomElement(using: &rng)! + String(Int.random(in: 0..<100, using: &rng)))
        case 1: return .int(Int.random(in: -1_000_000...1_000_000, using: &rng))
        case 2: return .bool(Bool.random(using: &rng))
        case 3: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let key = String((0..<Int.random(in: 1...6, using: &rng)).map { _ in "abcxyz".randomElement(using: &rng)! })
                object[key] = randomValue(&rng, depth: depth + 1)
            }
            return .object(object)
        }
    }

    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .string(let s): return s
        case .int(let i): return i
        case .double(let d): return d
        case .bool(let b): return b
        case .array(let a): return a.map(foundation)
        case .object(let o): return o.mapValues(foundation)
        }
    }

    @Test("pretty and compact bytes equal JSONSerialization's for the same value", arguments: 0..<3)
    func sameBytes(seed: UInt64) throws {
        var rng = SeededGenerator(state: 0x4A53_4F4E + seed)
        for _ in 0..<300 {
            let value = JSONValue.object(["root": Self.randomValue(&rng), "tests": .array([])])
            let object = Self.foundation(value)
            let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            #expect(Data(value.pretty()) == pretty, "\(String(decoding: pretty, as: UTF8.self))")
            let compact = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            #expect(Data(value.compact) == compact)
        }
    }

    @Test("a value pretty-printed deeper is every line of it indented, the first included")
    func indented() {
        let value = JSONValue.object(["a": .array([.int(1), .object([:])]), "b": .string("x")])
        let lines = String(decoding: value.pretty(indent: 6), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines == ["      {", "        \"a\" : [", "          1,", "          {", "", "          }", "        ],",
                          "        \"b\" : \"x\"", "      }"])
    }

    @Test("keys are in code-point order, whatever the case")
    func keyOrder() {
        let value = JSONValue.object(["b": .int(1), "_x": .int(2), "A": .int(3), "aB": .int(4), "ab": .int(5)])
        #expect(String(decoding: value.compact, as: UTF8.self) == #"{"A":3,"_x":2,"aB":4,"ab":5,"b":1}"#)
    }

    static func exchange(id: Int, error: String?, remote: String?, status: Int?, body: String) -> HTTPExchange {
        HTTPExchange(id: id, started: Date(timeIntervalSinceReferenceDate: 818_208_000.123_456_7), method: "POST",
                     url: "https://mail.contoso.com/EWS/Exchange.asmx",
                     requestBody: "<soap:Envelope>\(body)</soap:Envelope>",
                     legs: [HTTPExchange.Leg(requestHeaders: [HTTPHeader(":request-line", "POST /EWS/Exchange.asmx HTTP/1.1"),
                                                             HTTPHeader("Authorization", "NTLM [redacted]")],
                                            status: status, responseHeaders: [HTTPHeader("Content-Type", "text/xml; charset=utf-8")])],
                     responseBody: body, durationMilliseconds: 12.345_678_9, remoteAddress: remote, newConnections: 1, error: error)
    }

    @Test("a spool line reads back as the exchange it was written from, with the keys JSONEncoder gives it")
    func spoolLine() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .deferredToDate
        for (i, s) in Self.strings.enumerated() {
            for x in [Self.exchange(id: i, error: nil, remote: nil, status: nil, body: s),
                      Self.exchange(id: 1000 + i, error: "timed out: \(s)", remote: "127.0.0.1:443", status: 200, body: s)] {
                let line = try #require(EvidenceSpool.line(x))
                #expect(!line.contains(0x0A), "one line")
                #expect(try decoder.decode(HTTPExchange.self, from: line) == x)
                #expect(EvidenceSpool.leadingID(line) == x.id)
                // Every key JSONEncoder writes (a field added to HTTPExchange must be added here).
                func keys(_ data: Data) throws -> Set<String> {
                    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                    let legs = (object["legs"] as? [[String: Any]] ?? []).flatMap(\.keys).map { "legs." + $0 }
                    return Set(object.keys).union(legs)
                }
                #expect(try keys(line) == keys(encoder.encode(x)))
            }
        }
        var infinite = Self.exchange(id: 1, error: nil, remote: nil, status: 200, body: "")
        infinite.durationMilliseconds = .infinity
        #expect(EvidenceSpool.line(infinite) == nil, "JSON cannot hold it: the spool keeps it in memory instead")
    }
}

@Suite("JSON read by hand")
struct JSONValueParseTests {
    @Test("a value written compact or pretty parses back to itself, doubles included", arguments: 0..<3)
    func roundTrip(seed: UInt64) throws {
        var rng = SeededGenerator(state: 0x5041_5253 + seed)
        for _ in 0..<300 {
            var value = JSONValueTests.randomValue(&rng)
            value = .object(["v": value, "d": .double(Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 997),
                             "tiny": .double(5e-324), "big": .double(1.7976931348623157e308)])
            #expect(JSONValue.parse(Data(value.compact)) == value)
            #expect(JSONValue.parse(Data(value.pretty(indent: 3))) == value)
        }
    }

    @Test("escapes, surrogate pairs, null members and numbers read as JSONSerialization reads them")
    func agreesWithFoundation() throws {
        let text = #"{"a":"\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00","b":[1,-2,0,3.5,-0.25,1e3,2E-2],"c":null,"d":{"e":[]},"f":true,"g":false}"#
        let parsed = try #require(JSONValue.parse(Data(text.utf8)))
        #expect(parsed["a"]?.stringValue == "\"\\/\u{08}\u{0C}\n\r\tAé😀")
        #expect(parsed["b"] == .array([.int(1), .int(-2), .int(0), .double(3.5), .double(-0.25), .double(1000), .double(0.02)]))
        #expect(parsed["c"] == nil, "a null member is left out, as a nil optional is")
        #expect(parsed["d"] == .object(["e": .array([])]))
        #expect(parsed["f"] == .bool(true) && parsed["g"] == .bool(false))
        let foundation = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(foundation["a"] as? String == parsed["a"]?.stringValue)
    }

    @Test("what is not JSON, and null outside an object (there is no value for it), is refused, never guessed")
    func refusals() {
        let bad = ["", "{", "}", "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
                   "\"\u{01}\"", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
                   "{} x", "[null]", String(repeating: "[", count: 65) + String(repeating: "]", count: 65)]
        for text in bad { #expect(JSONValue.parse(Data(text.utf8)) == nil, "\(text)") }
        #expect(JSONValue.parse(Data((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8)) != nil)
    }

    @Test("a spool line, and one JSONEncoder wrote (slashes escaped), read back as the exchange")
    func spoolLines() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .deferredToDate
        encoder.outputFormatting = [.sortedKeys]
        for (i, s) in JSONValueTests.strings.enumerated() {
            for x in [JSONValueTests.exchange(id: i, error: nil, remote: nil, status: nil, body: s),
                      JSONValueTests.exchange(id: 500 + i, error: "reset: \(s)", remote: "[::1]:443", status: 401, body: s)] {
                let line = try #require(EvidenceSpool.line(x))
                #expect(EvidenceSpool.exchange(fromLine: line) == x)
                #expect(EvidenceSpool.exchange(fromLine: try encoder.encode(x)) == x)
            }
        }
        #expect(EvidenceSpool.exchange(fromLine: Data(#"{"id":1}"#.utf8)) == nil, "a line without the fields is left to JSONDecoder")
    }
}
