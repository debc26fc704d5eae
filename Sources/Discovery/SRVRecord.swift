/// A DNS SRV record (RFC 2782).
package struct SRVRecord: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Lower is preferred.
    package var priority: Int
    /// Relative share among records of the same priority.
    package var weight: Int
    /// The port of the service.
    package var port: Int
    /// The host name (`.` means: the service is decidedly not available).
    package var target: String

    /// Creates a record.
    package init(priority: Int, weight: Int, port: Int, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    package var description: String { "\(priority) \(weight) \(port) \(target)" }

    /// Orders records as RFC 2782 says a client tries them: lowest priority first; within one
    /// priority, a weighted random order (zero-weight records first in the running sum, so they
    /// are picked rarely but can be). A lone record with target `.` means no service: empty result.
    package static func selectionOrder(_ records: [SRVRecord], using generator: inout some RandomNumberGenerator) -> [SRVRecord] {
        if records.count == 1, records[0].target == "." { return [] }
        let usable = records.filter { $0.target != "." }
        var ordered: [SRVRecord] = []
        for priority in Set(usable.map(\.priority)).sorted() {
            var group = usable.filter { $0.priority == priority }
            // Zero weights first, as the RFC's algorithm places them.
            group.sort { ($0.weight == 0 ? 0 : 1) < ($1.weight == 0 ? 0 : 1) }
            while !group.isEmpty {
                let sum = group.reduce(0) { $0 + max(0, $1.weight) }
                let pick = sum == 0 ? 0 : Int.random(in: 0...sum, using: &generator)
                var running = 0
                var chosen = group.count - 1
                for (i, r) in group.enumerated() {
                    running += max(0, r.weight)
                    if running >= pick {
                        chosen = i
                        break
                    }
                }
                ordered.append(group.remove(at: chosen))
            }
        }
        return ordered
    }
}
