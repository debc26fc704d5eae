/// A `RequestServerVersion/@Version` value (`ExchangeVersionType`).
package struct ExchangeVersion: Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The value as sent.
    package var rawValue: String

    /// Wraps a version string (not checked: a provider may need an odd one).
    package init(_ rawValue: String) { self.rawValue = rawValue }
    package init(stringLiteral value: String) { rawValue = value }
    package init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    package var description: String { rawValue }

    /// Every value of `ExchangeVersionType` in the 2017 schema, oldest first.
    package static let known: [ExchangeVersion] = [
        "Exchange2007", "Exchange2007_SP1", "Exchange2009", "Exchange2010", "Exchange2010_SP1",
        "Exchange2010_SP2", "Exchange2012", "Exchange2013", "Exchange2013_SP1", "Exchange2015",
        "Exchange2016", "V2015_10_05", "V2016_01_06", "V2016_04_13", "V2016_07_13", "V2016_10_10",
        "V2017_01_07", "V2017_04_14", "V2017_07_11",
    ]

    /// Whether the schema knows this value.
    package var isKnown: Bool { Self.known.contains(self) }

    /// `Exchange2013_SP1`, the default request version: understood by Exchange 2013 and later.
    package static let exchange2013SP1: ExchangeVersion = "Exchange2013_SP1"
    /// `Exchange2016`, what clients send to Exchange 2016/2019/Online.
    package static let exchange2016: ExchangeVersion = "Exchange2016"
}
