private import EWSExecutor
import EWSTransport
import Foundation
import Synchronization

/// Every HTTP exchange a run records, written as it is recorded to `evidence.jsonl` in the run
/// folder (mode 0600, like the ledger), one exchange per line and each exchange once, so a run's
/// memory does not grow with its evidence: only where each line is stays in memory. The exchanges
/// are already redacted (secrets are removed at capture); the report's evidence policy (which
/// exchanges, shortened bodies, masking of other people's data) is applied when the reports are
/// written from the spool.
///
/// Dates are written as Foundation's own seconds since 2001, so an exchange read back is equal to
/// the one written (and a report assembled from the spool equals one assembled in memory).
package final class EvidenceSpool: Sendable {
    private let file: LineFile
    private let index = Mutex<[Int: LineFile.Location]>([:])
    /// Exchanges whose line could not be written (a full disk): kept here instead, so the
    /// reports still have them.
    private let unwritten = Mutex<[Int: HTTPExchange]>([:])

    /// A spool appending to `path` (created, or emptied, with mode 0600).
    package init(path: String) {
        file = LineFile(path: path, truncate: true, name: "the evidence spool")
    }

    /// A spool kept in memory (a run without a run folder).
    package init() {
        file = LineFile(inMemory: "the evidence spool")
    }

    private init(file: LineFile, index: [Int: LineFile.Location]) {
        self.file = file
        self.index.locked { $0 = index }
    }

    /// Why the spool could not be written, if it could not.
    package var writeError: String? { file.error }

    /// Whether an exchange with this id is in the spool.
    package func contains(_ id: Int) -> Bool { index.locked { $0[id] != nil } || unwritten.locked { $0[id] != nil } }

    /// How many exchanges the spool holds.
    package var count: Int { index.locked { $0.count } + unwritten.locked { $0.count } }

    /// The ids of every exchange, ascending.
    package var ids: [Int] { (index.locked { Array($0.keys) } + unwritten.locked { Array($0.keys) }).sorted() }

    /// Appends `exchange` unless its id is already there; returns whether it was added. (One
    /// whose line cannot be written is kept in memory; ``writeError`` says why.)
    @discardableResult
    package func append(_ exchange: HTTPExchange) -> Bool {
        guard !contains(exchange.id) else { return false }
        if let line = Self.line(exchange), let location = file.append(line) {
            index.locked { $0[exchange.id] = location }
        } else {
            file.note("exchange #\(exchange.id) could not be written to the evidence spool")
            unwritten.locked { $0[exchange.id] = exchange }
        }
        return true
    }

    /// Whether `exchange` is the one the spool holds under its id (byte for byte as encoded).
    package func holds(_ exchange: HTTPExchange) -> Bool {
        if let kept = unwritten.locked({ $0[exchange.id] }) { return kept == exchange }
        guard let location = index.locked({ $0[exchange.id] }), let stored = file.read(location) else { return false }
        return Self.line(exchange) == stored
    }

    /// The exchange with this id, read back; nil when there is none or it cannot be read.
    package func exchange(_ id: Int) -> HTTPExchange? {
        if let kept = unwritten.locked({ $0[id] }) { return kept }
        guard let location = index.locked({ $0[id] }), let line = file.read(location) else { return nil }
        return Self.exchange(fromLine: line) ?? (try? Self.decoder.decode(HTTPExchange.self, from: line))
    }

    /// Calls `body` with every exchange in id order, one read back at a time.
    package func forEach(_ body: (HTTPExchange) throws -> Void) rethrows {
        for id in ids {
            if let x = exchange(id) { try body(x) }
        }
    }

    /// Reads the spool an earlier run left at `path` (for `run --resume`) a chunk at a time:
    /// every complete line is indexed by the exchange id it starts with; a line cut off by a kill
    /// is left out. Nil when there is no such file.
    package static func open(path: String) -> EvidenceSpool? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var index: [Int: LineFile.Location] = [:]
        var pending = Data()
        var offset = 0
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(chunk)
            var start = pending.startIndex
            while let end = pending[start...].firstIndex(of: 0x0A) {
                if let id = leadingID(pending[start..<end]), index[id] == nil {
                    index[id] = LineFile.Location(offset: offset, length: end - start)
                }
                offset += end - start + 1
                start = end + 1
            }
            pending = Data(pending[start...])
        }
        return EvidenceSpool(file: LineFile(path: path, truncate: false, name: "the evidence spool of an earlier run"), index: index)
    }

    /// The exchange id of a spool line, read without decoding the line: keys are sorted, so the
    /// top-level `"id":` comes before the legs and bodies (a quote inside a string is escaped, so
    /// the pattern cannot occur inside one).
    static func leadingID(_ line: Data) -> Int? {
        let key = Array(#""id":"#.utf8)
        let bytes = line.prefix(4096)
        guard bytes.count > key.count else { return nil }
        var i = bytes.startIndex
        while i + key.count < bytes.endIndex {
            if bytes[i] == key[0], bytes[i..<(i + key.count)].elementsEqual(key), i > bytes.startIndex,
               bytes[i - 1] == UInt8(ascii: ",") || bytes[i - 1] == UInt8(ascii: "{") {
                var value = 0
                var j = i + key.count
                var digits = 0
                while j < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j]), digits < 18 {
                    value = value * 10 + Int(bytes[j] - UInt8(ascii: "0"))
                    j += 1
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            i += 1
        }
        return nil
    }

    /// The exchange a line holds, read by ``JSONValue`` (`JSONDecoder` was most of the cost of
    /// reading evidence back for the reports); nil when the line is not in the form ``line(_:)``
    /// writes, for `JSONDecoder` to try.
    static func exchange(fromLine line: Data) -> HTTPExchange? {
        guard let v = JSONValue.parse(line), let id = v["id"]?.intValue, let started = v["started"]?.doubleValue,
              let method = v["method"]?.stringValue, let url = v["url"]?.stringValue,
              let requestBody = v["requestBody"]?.stringValue, let responseBody = v["responseBody"]?.stringValue,
              let duration = v["durationMilliseconds"]?.doubleValue, let newConnections = v["newConnections"]?.intValue,
              let legValues = v["legs"]?.arrayValue else { return nil }
        func headers(_ value: JSONValue?) -> [HTTPHeader]? {
            guard let items = value?.arrayValue else { return nil }
            var list: [HTTPHeader] = []
            list.reserveCapacity(items.count)
            for item in items {
                guard let name = item["name"]?.stringValue, let value = item["value"]?.stringValue else { return nil }
                list.append(HTTPHeader(name, value))
            }
            return list
        }
        var legs: [HTTPExchange.Leg] = []
        for leg in legValues {
            guard let request = headers(leg["requestHeaders"]), let response = headers(leg["responseHeaders"]) else { return nil }
            let status = leg["status"]
            guard status == nil || status?.intValue != nil else { return nil }
            legs.append(HTTPExchange.Leg(requestHeaders: request, status: status?.intValue, responseHeaders: response))
        }
        let remote = v["remoteAddress"], error = v["error"]
        guard remote == nil || remote?.stringValue != nil, error == nil || error?.stringValue != nil else { return nil }
        return HTTPExchange(id: id, started: Date(timeIntervalSinceReferenceDate: started), method: method, url: url,
                            requestBody: requestBody, legs: legs, responseBody: responseBody, durationMilliseconds: duration,
                            remoteAddress: remote?.stringValue, newConnections: newConnections, error: error?.stringValue)
    }

    /// An exchange's line: what `JSONEncoder` makes of it (`HTTPExchange`'s coding keys, nil
    /// optionals left out, the date as seconds since 2001), written by hand (the encoder was 9 %
    /// of the harness's CPU); nil when a number is not finite, which JSON cannot hold.
    static func line(_ x: HTTPExchange) -> Data? {
        let started = x.started.timeIntervalSinceReferenceDate
        guard started.isFinite, x.durationMilliseconds.isFinite else { return nil }
        func headers(_ list: [HTTPHeader]) -> JSONValue {
            .array(list.map { .object(["name": .string($0.name), "value": .string($0.value)]) })
        }
        var object: [String: JSONValue] = [
            "id": .int(x.id), "started": .double(started), "method": .string(x.method), "url": .string(x.url),
            "requestBody": .string(x.requestBody), "responseBody": .string(x.responseBody),
            "durationMilliseconds": .double(x.durationMilliseconds), "newConnections": .int(x.newConnections),
            "legs": .array(x.legs.map { leg in
                var l: [String: JSONValue] = ["requestHeaders": headers(leg.requestHeaders), "responseHeaders": headers(leg.responseHeaders)]
                if let status = leg.status { l["status"] = .int(status) }
                return .object(l)
            }),
        ]
        if let remote = x.remoteAddress { object["remoteAddress"] = .string(remote) }
        if let error = x.error { object["error"] = .string(error) }
        return Data(JSONValue.object(object).compact)
    }

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
        return decoder
    }()
}
