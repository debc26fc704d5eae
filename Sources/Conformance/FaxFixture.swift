/// A small real fax page: a baseline TIFF (little-endian, one strip, 1-bit bilevel, no
/// compression, CCITT-like 204×196 dpi) with the run id folded into the pixels so each run's
/// file differs.
enum FaxFixture {
    static func tiff(seed: String, width: Int = 216, height: Int = 64) -> [UInt8] {
        var hash: UInt32 = 2166136261
        for b in seed.utf8 { hash = (hash ^ UInt32(b)) &* 16777619 }
        let rowBytes = (width + 7) / 8
        var pixels = [UInt8](repeating: 0, count: rowBytes * height)
        for i in pixels.indices {
            hash = hash &* 1664525 &+ 1013904223
            // Horizontal bands with noise: a page of "text lines".
            pixels[i] = (i / rowBytes) % 8 < 2 ? UInt8(truncatingIfNeeded: hash >> 24) : 0
        }
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xffff) + le16((v >> 16) & 0xffff) }
        // Header, then the strip, then the resolution rationals, then the IFD.
        let stripOffset = 8
        let resolutionOffset = stripOffset + pixels.count
        let ifdOffset = resolutionOffset + 16
        var entries: [(tag: Int, type: Int, value: Int)] = [
            (256, 3, width), (257, 3, height), (258, 3, 1), (259, 3, 1), (262, 3, 0), (273, 4, stripOffset),
            (277, 3, 1), (278, 3, height), (279, 4, pixels.count), (282, 5, resolutionOffset), (283, 5, resolutionOffset + 8), (296, 3, 2),
        ]
        entries.sort { $0.tag < $1.tag }
        var out = Array("II".utf8) + le16(42) + le32(ifdOffset)
        out += pixels
        out += le32(204) + le32(1) + le32(196) + le32(1)
        out += le16(entries.count)
        for e in entries {
            out += le16(e.tag) + le16(e.type) + le32(1)
            out += e.type == 3 ? le16(e.value) + le16(0) : le32(e.value)
        }
        out += le32(0)
        return out
    }
}
