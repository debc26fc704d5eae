import EWSProtocol

/// The extended properties the contact-center product stamps on what it delivers (next to the
/// run tag): the caller's number and the recording's length. They live in the product's own
/// property set, so a provider that keeps only properties it knows shows up as losing them.
enum ProductProperties {
    /// The product's property set (fixed: the product reads these names from it).
    static let propertySetID = "c0f5e1a4-2f6b-4d3e-8b7a-91d2e4c6a8f0"
    /// The caller's number (E.164).
    static let callerNumber = ExtendedPropertyPath(propertySetID: propertySetID, name: "CallerNumber", type: "String")
    /// The length of the recording or fax transmission, in seconds.
    static let duration = ExtendedPropertyPath(propertySetID: propertySetID, name: "DurationSeconds", type: "Integer")

    /// The caller number every suite delivery carries.
    static let caller = "+14255550100"

    /// The properties a delivery carries: the run tag, the caller number and the duration.
    static func stamped(tag: RunTag, seconds: Int) -> [(ExtendedPropertyPath, String)] {
        [tag.extendedProperty, (callerNumber, caller), (duration, String(seconds))]
    }

    /// The paths read back to compare.
    static let readBack = [RunTag.property, callerNumber, duration]
}
