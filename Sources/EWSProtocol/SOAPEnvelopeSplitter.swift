/// Cuts a byte stream of consecutive SOAP envelopes (a GetStreamingEvents response) into whole
/// envelopes as their closing tags arrive, whatever the pieces the bytes come in.
package struct SOAPEnvelopeSplitter: Sendable {
    private var buffer: [UInt8] = []
    /// Where the search for the next closing tag resumes.
    private var scanFrom = 0
    /// The most bytes one envelope may take before the stream is refused as unreadable.
    package let maxEnvelopeBytes: Int

    /// Creates a splitter.
    package init(maxEnvelopeBytes: Int = 16 * 1024 * 1024) {
        self.maxEnvelopeBytes = maxEnvelopeBytes
    }

    /// Bytes received after the last whole envelope (leading whitespace included).
    package var pendingBytes: Int { buffer.count }

    /// Whether the bytes held back are more than one envelope may be.
    package var overflowed: Bool { buffer.count > maxEnvelopeBytes }

    /// Adds bytes; returns the envelopes they completed, in order, each from its first
    /// non-blank byte (an XML declaration included) to its `</…Envelope>` tag.
    package mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        buffer += bytes
        var found: [[UInt8]] = []
        var start = 0
        var i = scanFrom
        let lt = UInt8(ascii: "<"), slash = UInt8(ascii: "/"), gt = UInt8(ascii: ">")
        while i + 1 < buffer.count {
            guard buffer[i] == lt, buffer[i + 1] == slash else {
                i += 1
                continue
            }
            // A closing tag: its name runs to the first blank or '>'.
            var j = i + 2
            while j < buffer.count, buffer[j] != gt { j += 1 }
            guard j < buffer.count else { break }  // the tag is not complete yet
            let name = String(decoding: buffer[(i + 2)..<j], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if name == "Envelope" || name.hasSuffix(":Envelope") {
                var from = start
                while from < j, [0x20, 0x09, 0x0D, 0x0A].contains(buffer[from]) { from += 1 }
                found.append(Array(buffer[from...j]))
                start = j + 1
            }
            i = j + 1
        }
        if start > 0 {
            buffer.removeFirst(start)
            i -= start
        }
        scanFrom = max(0, i)
        return found
    }
}
