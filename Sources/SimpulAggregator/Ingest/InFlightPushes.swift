import Synchronization

/// The pushes being verified or stored right now, per node.
///
/// A node may send its next batch before the previous one is acknowledged (two pushes in flight hide the
/// store step of one behind the verification of the other). That batch does not link to the stored head yet;
/// instead of refusing it as a gap, ingest verifies it meanwhile and then waits here for the push that ends
/// just before it. Only pushes whose signature checked out are registered, so a stranger cannot make a node's
/// pushes wait.
final class InFlightPushes: Sendable {
    private struct Flight {
        var node: String
        var toSeq: Int64
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private struct State {
        var nextID: UInt64 = 0
        var flights: [UInt64: Flight] = [:]
        /// The highest seq a finished push of each node ended at (stored or not): one entry per node.
        var lastEnded: [String: Int64] = [:]
    }

    private let state = Mutex(State())

    /// Registers a push of `node` ending at `toSeq`; pair with `end`.
    func begin(node: String, toSeq: Int64) -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            state.flights[state.nextID] = Flight(node: node, toSeq: toSeq)
            return state.nextID
        }
    }

    /// The push is stored or refused: whoever waits for it re-reads the head.
    func end(_ id: UInt64) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard let flight = state.flights.removeValue(forKey: id) else { return [] }
            state.lastEnded[flight.node] = max(state.lastEnded[flight.node] ?? 0, flight.toSeq)
            return flight.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until no push of `node` ending at `seq` is in flight; true when the caller should read the head
    /// again. Two pushes sent back to back may reach the checks in either order, so one that is not registered
    /// yet gets `appearWithin` to show up. False when there was none (a real gap).
    func waitForPush(node: String, endingAt seq: Int64, appearWithin: Duration = .seconds(1)) async -> Bool {
        let deadline = ContinuousClock.now + appearWithin
        while !isInFlight(node: node, endingAt: seq) {
            if hasEnded(node: node, atOrAfter: seq) { return true }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queued = state.withLock { state -> Bool in
                guard let id = state.flights.first(where: { $0.value.node == node && $0.value.toSeq == seq })?.key else { return false }
                state.flights[id]?.waiters.append(continuation)
                return true
            }
            // It ended between the look and the wait.
            if !queued { continuation.resume() }
        }
        return true
    }

    func hasEnded(node: String, atOrAfter seq: Int64) -> Bool {
        state.withLock { ($0.lastEnded[node] ?? 0) >= seq }
    }

    func isInFlight(node: String, endingAt seq: Int64) -> Bool {
        state.withLock { $0.flights.values.contains { $0.node == node && $0.toSeq == seq } }
    }
}
