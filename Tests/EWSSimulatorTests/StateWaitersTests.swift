import EWSExecutor
@testable import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// The events tests wait on instead of polling the simulator's state: a waiter is resumed by the
/// change that makes its condition true, at once when the state already satisfies it, and with
/// false when its time runs out; the subscription registry reports each change to them.
@Suite struct StateWaitersTests {
    @Test("a waiter is resumed by the change that satisfies it, not by one that does not")
    func resumedByTheSatisfyingChange() async {
        let waiters = StateWaiters<Int>()
        let value = Locked(0)
        async let waited = waiters.wait(timeout: .seconds(30), current: { value.value }, until: { $0 >= 2 })
        // Reported changes reach a registered waiter only (the owner reports only while one waits).
        while !waiters.isWaiting { await Task.yield() }
        value.locked { $0 = 1 }
        waiters.changed(1)
        #expect(waiters.isWaiting, "1 does not satisfy the condition")
        value.locked { $0 = 2 }
        waiters.changed(2)
        #expect(await waited)
        #expect(!waiters.isWaiting)
    }

    @Test("a condition already true answers at once; one never met answers false after its timeout")
    func alreadyTrueAndTimedOut() async {
        let waiters = StateWaiters<Int>()
        #expect(await waiters.wait(timeout: .seconds(30), current: { 5 }, until: { $0 == 5 }))
        let start = ContinuousClock.now
        #expect(await waiters.wait(timeout: .milliseconds(50), current: { 0 }, until: { $0 == 5 }) == false)
        #expect(ContinuousClock.now - start >= .milliseconds(50))
        #expect(!waiters.isWaiting)
    }

    @Test("the subscription registry wakes a waiter when the subscription is updated and when it is removed")
    func registryReportsChanges() async {
        let registry = SubscriptionRegistry()
        registry.add(.init(id: "s1", mailbox: "alice@contoso.com", caller: "alice@contoso.com/alice@contoso.com", folders: nil,
                           eventTypes: ["NewMailEvent"], timeoutMinutes: 10, lastUsed: Date()))
        #expect(await registry.wait(for: "s1", timeout: .milliseconds(20)) { ($0?.streamToken ?? 0) >= 1 } == false)
        async let streamed = registry.wait(for: "s1") { ($0?.streamToken ?? 0) >= 1 }
        async let gone = registry.wait(for: "s1") { $0 == nil }
        // Both wait before anything changes, so it is the reported change that wakes them.
        while registry.waiting < 2 { await Task.yield() }
        registry.update("s1") { $0.streamToken += 1 }
        #expect(await streamed)
        registry.remove("s1")
        #expect(await gone)
        #expect(registry.subscription("s1") == nil)
    }
}
