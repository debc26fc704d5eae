/// Waits until `condition` holds, checking it every `interval`, for at most `timeout`; returns whether
/// it held. Only for state that offers no event to wait on (the executor's idle threads ending);
/// children, servers, tasks, the simulator's request log (`Simulator.waitForRequests`), its
/// subscriptions (`SubscriptionRegistry.wait(for:until:)`) and its mailboxes
/// (`SimulatedTenant.waitForStores`) are waited on by their events
/// (``ChildProcess/waitUntil(timeout:_:)``, ``TestEvent``). The one place a test polls.
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
