@testable import Conformance
import EWSProtocol
import Foundation
import Testing

@Suite("CleanupLedger")
struct CleanupLedgerTests {
    @Test("a new ledger has nothing recorded and nothing outstanding")
    func empty() {
        let ledger = CleanupLedger()
        #expect(ledger.all.isEmpty)
        #expect(ledger.outstanding.isEmpty)
    }

    @Test("a recorded item is outstanding with everything it was recorded with")
    func recordKeepsEntry() {
        let ledger = CleanupLedger()
        ledger.recordCreated(mailbox: "alice@contoso.com", item: ItemIdentifier(id: "AAMk1", changeKey: "CQAA1"),
                             subject: "Voice Mail", by: CheckCatalog.voicemailDeliver)
        let entry = ledger.outstanding.first
        #expect(ledger.outstanding.count == 1)
        #expect(entry?.mailbox == "alice@contoso.com")
        #expect(entry?.itemID == "AAMk1")
        #expect(entry?.changeKey == "CQAA1")
        #expect(entry?.subject == "Voice Mail")
        #expect(entry?.createdBy == CheckCatalog.voicemailDeliver)
        #expect(entry?.removed == false)
    }

    @Test("removing one item leaves the others outstanding, and all still lists every item")
    func removeOne() {
        let ledger = CleanupLedger()
        for (i, mailbox) in ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"].enumerated() {
            ledger.recordCreated(mailbox: mailbox, item: ItemIdentifier(id: "id\(i)"), subject: "s\(i)", by: CheckCatalog.voicemailDeliver)
        }
        ledger.recordRemoved(itemID: "id1")
        #expect(ledger.outstanding.map(\.itemID) == ["id0", "id2"])
        #expect(ledger.all.map(\.itemID) == ["id0", "id1", "id2"])
        #expect(ledger.all.map(\.removed) == [false, true, false])
    }

    @Test("removing an id that was never recorded changes nothing; removing twice is harmless")
    func removeUnknownAndTwice() {
        let ledger = CleanupLedger()
        ledger.recordCreated(mailbox: "alice@contoso.com", item: ItemIdentifier(id: "id0"), subject: "s", by: CheckCatalog.voicemailDeliver)
        ledger.recordRemoved(itemID: "nope")
        #expect(ledger.outstanding.map(\.itemID) == ["id0"])
        ledger.recordRemoved(itemID: "id0")
        ledger.recordRemoved(itemID: "id0")
        #expect(ledger.outstanding.isEmpty)
        #expect(ledger.all.count == 1)
    }

    @Test("records from many tasks at once are all kept")
    func concurrentRecords() async {
        let ledger = CleanupLedger()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    ledger.recordCreated(mailbox: "m\(i % 4)@contoso.com", item: ItemIdentifier(id: "id\(i)"), subject: "s", by: CheckCatalog.voicemailDeliver)
                    if i.isMultiple(of: 2) { ledger.recordRemoved(itemID: "id\(i)") }
                }
            }
        }
        #expect(ledger.all.count == 200)
        #expect(Set(ledger.outstanding.map(\.itemID)) == Set((0..<200).filter { !$0.isMultiple(of: 2) }.map { "id\($0)" }))
    }
}
