import EWSProtocol
import Foundation

/// A sync state: what a client has seen of one folder (items) or one subtree (folders), encoded
/// into the opaque string EWS hands out, so the server keeps nothing per client.
struct SyncState: Sendable {
    var kind: String        // "items" or "folders"
    var rootID: String
    var entries: [String: String] = [:]   // id → change key

    func encoded() -> String {
        let lines = ["EWSSIM-SYNC 1", kind, rootID] + entries.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return Data(lines.joined(separator: "\n").utf8).base64EncodedString()
    }

    static func decode(_ text: String, kind: String, rootID: String) throws(EWSError) -> SyncState {
        let invalid = EWSError("ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid.")
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let lines = String(data: data, encoding: .utf8)?.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
              lines.count >= 3, lines[0] == "EWSSIM-SYNC 1", lines[1] == kind, lines[2] == rootID else { throw invalid }
        var state = SyncState(kind: kind, rootID: rootID)
        for line in lines.dropFirst(3) where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw invalid }
            state.entries[parts[0]] = parts[1]
        }
        return state
    }
}

extension EWSService {
    /// SyncFolderItems: the items created, changed and deleted in a folder since the sync
    /// state, at most MaxChangesReturned at a time, oldest first; `Ignore`d items are skipped. A
    /// change of the read flag alone is a ReadFlagChange, as Exchange reports it.
    func syncFolderItems(_ request: XMLElement, _ context: RequestContext) throws -> String {
        func answer(_ message: String) -> String { SOAPWriter.operationResponse("SyncFolderItems", messages: [message]) }
        do throws(EWSError) {
            let shape = try ItemResponseShape(request.child("ItemShape"))
            guard let folderElement = request.child("SyncFolderId")?.children.first else { throw EWSError("ErrorInvalidRequest", "The request is invalid.") }
            let found: (mailbox: String, folder: StoredFolder)
            switch resolveFolder(folderElement, context) {
            case .success(let f): found = f
            case .failure(let error): throw error
            }
            guard let max = request.child("MaxChangesReturned").flatMap({ Int($0.text.trimmingCharacters(in: .whitespaces)) }), (1...512).contains(max) else {
                throw EWSError("ErrorInvalidRequest", "MaxChangesReturned must be between 1 and 512.")
            }
            if let scope = request.child("SyncScope")?.text, scope != "NormalItems", scope != "NormalAndAssociatedItems" {
                throw EWSError.notImplemented("SyncScope \(scope)")
            }
            var state = SyncState(kind: "items", rootID: found.folder.id)
            if let text = request.child("SyncState")?.text, !text.isEmpty {
                state = try SyncState.decode(text, kind: "items", rootID: found.folder.id)
                if quirks.contains(.syncStateIgnored) { state.entries = [:] }
            }
            let ignore = Set(request.child("Ignore")?.children.compactMap { $0.attribute("Id") } ?? [])
            let items = (tenant.withStore(found.mailbox) { $0.items(in: found.folder.id) } ?? []).sorted { ($0.created, $0.id) < ($1.created, $1.id) }
            enum Change { case create(StoredItem), update(StoredItem), readFlag(StoredItem), delete(String, String) }
            var changes: [Change] = []
            for item in items {
                if let key = state.entries[item.id] {
                    guard key != item.changeKey else { continue }
                    // Exchange reports a change of the read flag alone as ReadFlagChange, not Update.
                    let since = item.history.first { $0.changeKey == key }?.changedFields
                    changes.append(since == ["message:IsRead"] ? .readFlag(item) : .update(item))
                } else {
                    changes.append(.create(item))
                }
            }
            let present = Set(items.map(\.id))
            for (id, key) in state.entries.sorted(by: { $0.key < $1.key }) where !present.contains(id) { changes.append(.delete(id, key)) }
            let writer = itemWriter(shape, .findItem, mailbox: found.mailbox)
            var xml = ""
            for change in changes.prefix(max) {
                switch change {
                case .create(let item):
                    state.entries[item.id] = item.changeKey
                    if !ignore.contains(item.id) { xml += "<t:Create>\(writer.xml(item))</t:Create>" }
                case .update(let item):
                    state.entries[item.id] = item.changeKey
                    if !ignore.contains(item.id) { xml += "<t:Update>\(writer.xml(item))</t:Update>" }
                case .readFlag(let item):
                    state.entries[item.id] = item.changeKey
                    if !ignore.contains(item.id) {
                        xml += "<t:ReadFlagChange><t:ItemId Id=\"\(item.id)\" ChangeKey=\"\(item.changeKey)\"/><t:IsRead>\(item.isRead)</t:IsRead></t:ReadFlagChange>"
                    }
                case .delete(let id, let key):
                    state.entries[id] = nil
                    if !ignore.contains(id) { xml += "<t:Delete><t:ItemId Id=\"\(id)\" ChangeKey=\"\(key)\"/></t:Delete>" }
                }
            }
            let last = changes.count <= max
            return answer(SOAPWriter.success("SyncFolderItems", payload: "<m:SyncState>\(state.encoded())</m:SyncState><m:IncludesLastItemInRange>\(last)</m:IncludesLastItemInRange><m:Changes>\(xml)</m:Changes>"))
        } catch {
            return answer(SOAPWriter.error("SyncFolderItems", error))
        }
    }

    /// SyncFolderHierarchy: the folders created, changed (renamed, moved) and deleted below a
    /// folder (the message folder root by default) since the sync state.
    func syncFolderHierarchy(_ request: XMLElement, _ context: RequestContext) throws -> String {
        func answer(_ message: String) -> String { SOAPWriter.operationResponse("SyncFolderHierarchy", messages: [message]) }
        do throws(EWSError) {
            let shape = try FolderResponseShape(request.child("FolderShape"))
            let root: (mailbox: String, folder: StoredFolder)
            if let element = request.child("SyncFolderId")?.children.first {
                switch resolveFolder(element, context) {
                case .success(let f): root = f
                case .failure(let error): throw error
                }
            } else {
                let owner = context.mailboxUser.primarySmtpAddress
                guard context.mailboxUser.hasMailbox,
                      let top = tenant.withStore(owner, { $0.folder(distinguished: "msgfolderroot") }) ?? nil else { throw .missingEmailAddress }
                root = (owner, top)
            }
            var state = SyncState(kind: "folders", rootID: root.folder.id)
            if let text = request.child("SyncState")?.text, !text.isEmpty {
                state = try SyncState.decode(text, kind: "folders", rootID: root.folder.id)
            }
            let folders = tenant.withStore(root.mailbox) { store in
                store.subtree(of: root.folder.id).dropFirst().compactMap { store.folders[$0] }
            } ?? []
            var xml = ""
            for folder in folders {
                let seen = state.entries[folder.id]
                let key = folder.changeKey + ":" + (folder.parentID ?? "") + ":" + Data(folder.displayName.utf8).base64EncodedString()
                if seen == nil {
                    xml += "<t:Create>\(folderXML(folder, mailbox: root.mailbox, shape: shape))</t:Create>"
                } else if seen != key {
                    xml += "<t:Update>\(folderXML(folder, mailbox: root.mailbox, shape: shape))</t:Update>"
                }
                state.entries[folder.id] = key
            }
            let present = Set(folders.map(\.id))
            for id in state.entries.keys.sorted() where !present.contains(id) {
                state.entries[id] = nil
                xml += "<t:Delete><t:FolderId Id=\"\(id)\"/></t:Delete>"
            }
            return answer(SOAPWriter.success("SyncFolderHierarchy", payload: "<m:SyncState>\(state.encoded())</m:SyncState><m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange><m:Changes>\(xml)</m:Changes>"))
        } catch {
            return answer(SOAPWriter.error("SyncFolderHierarchy", error))
        }
    }
}
