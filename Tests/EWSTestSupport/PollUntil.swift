/// Waits until `condition` holds, checking it every `interval`, for at most `timeout`; returns whether
/// it held. Only for state that offers no event to wait on (the simulator's mailbox store, the
/// executor's idle threads); children, servers, tasks, the simulator's request log
/// (`Simulator.waitForRequests`) and its subscriptions (`SubscriptionRegistry.wait(for:until:)`) are
/// waited on by their events (``ChildProcess/waitUntil(timeout:_:)``, ``TestEvent``). The one place a
/// test polls.
@discardableResult
package func pollUntil(timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(10),
                      _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: interval)
    }
    return true
}
