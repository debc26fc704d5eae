extension KeyedEncodingContainer {
    /// Encodes each value under its key, an absent optional as JSON `null` rather than a missing
    /// key: the hook messages carry every documented key (plugins/hooks.schema.json), which
    /// synthesized `Encodable` would not, since it leaves nil out. One way to write them all.
    mutating func encodeEveryKey(_ fields: KeyValuePairs<Key, any Encodable>) throws {
        for (key, value) in fields { try encode(value, forKey: key) }
    }
}
