@testable import EWSProtocol
import Foundation
import Testing

/// Item helpers over a ``SimulatorSession``: create, fetch and find with hand-written SOAP.
extension SimulatorSession {
    static let runTagSet = "c11ff724-aa03-4555-9952-8fa248a11c3e"

    /// Saves one message into a folder of `mailbox` and returns its id (the create must succeed).
    func createMessage(_ inner: String, in folder: String = "inbox", mailbox: String = "alice@contoso.com",
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let a = try await send(envelope(#"<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="\#(folder)"/></m:SavedItemFolderId><m:Items><t:Message>\#(inner)</t:Message></m:Items></m:CreateItem>"#,
                                        impersonate: mailbox), sourceLocation: sourceLocation)
        #expect(a.codes == ["NoError"], "CreateItem: \(a.text)", sourceLocation: sourceLocation)
        return try #require(a.messages.first?.path("Items", "Message", "ItemId")?.attribute("Id"), sourceLocation: sourceLocation)
    }

    /// The answer to CreateItem of one message (for refusals).
    func tryCreate(_ inner: String, mailbox: String = "alice@contoso.com", sourceLocation: SourceLocation = #_sourceLocation) async throws -> Answer {
        try await send(envelope(#"<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/></m:SavedItemFolderId><m:Items><t:Message>\#(inner)</t:Message></m:Items></m:CreateItem>"#,
                                impersonate: mailbox), sourceLocation: sourceLocation)
    }

    func getItem(_ id: String, shape: String = "<t:BaseShape>IdOnly</t:BaseShape>", mailbox: String = "alice@contoso.com",
                 sourceLocation: SourceLocation = #_sourceLocation) async throws -> Answer {
        try await send(envelope(#"<m:GetItem><m:ItemShape>\#(shape)</m:ItemShape><m:ItemIds><t:ItemId Id="\#(id)"/></m:ItemIds></m:GetItem>"#,
                                impersonate: mailbox), sourceLocation: sourceLocation)
    }

    /// FindItem in a folder with extra request elements (after the shape, in schema order).
    func findItem(_ inner: String = "", shape: String = "<t:BaseShape>IdOnly</t:BaseShape>", folder: String = "inbox",
                  mailbox: String = "alice@contoso.com", traversal: String = "Shallow",
                  sourceLocation: SourceLocation = #_sourceLocation) async throws -> Answer {
        let (view, rest) = inner.hasPrefix("<m:IndexedPageItemView") || inner.hasPrefix("<m:FractionalPageItemView")
            ? (String(inner[..<(inner.range(of: "/>")?.upperBound ?? inner.endIndex)]), String(inner[(inner.range(of: "/>")?.upperBound ?? inner.endIndex)...]))
            : ("", inner)
        var restriction = ""
        var sort = ""
        var query = ""
        if let r = rest.range(of: "<m:Restriction>"), let e = rest.range(of: "</m:Restriction>") { restriction = String(rest[r.lowerBound..<e.upperBound]) }
        if let r = rest.range(of: "<m:SortOrder>"), let e = rest.range(of: "</m:SortOrder>") { sort = String(rest[r.lowerBound..<e.upperBound]) }
        if let r = rest.range(of: "<m:QueryString>"), let e = rest.range(of: "</m:QueryString>") { query = String(rest[r.lowerBound..<e.upperBound]) }
        return try await send(envelope(#"<m:FindItem Traversal="\#(traversal)"><m:ItemShape>\#(shape)</m:ItemShape>\#(view)\#(restriction)\#(sort)<m:ParentFolderIds><t:DistinguishedFolderId Id="\#(folder)"/></m:ParentFolderIds>\#(query)</m:FindItem>"#,
                                       impersonate: mailbox), sourceLocation: sourceLocation)
    }

    /// Ids of the items a FindItem answer lists, in order.
    static func ids(_ a: Answer) -> [String] {
        a.messages.first?.path("RootFolder", "Items")?.children.compactMap { $0.child("ItemId")?.attribute("Id") } ?? []
    }

    /// Subjects of the items a FindItem answer lists, in order.
    static func subjects(_ a: Answer) -> [String] {
        a.messages.first?.path("RootFolder", "Items")?.children.compactMap { $0.child("Subject")?.text } ?? []
    }
}
