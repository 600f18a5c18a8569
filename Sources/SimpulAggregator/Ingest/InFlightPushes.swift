import Synchronization

/// The pushes being verified or stored right now, per node, and (through PostgreSQL's NOTIFY) the heads other replicas
/// stored.
///
/// A node may send its next batch before the previous one is acknowledged (two pushes in flight hide the
/// store step of one behind the verification of the other). That batch does not link to the stored head yet;
/// instead of refusing it as a gap, ingest verifies it meanwhile and then waits here for the push that ends
/// just before it. Only pushes whose signature checked out are registered, so a stranger cannot make a node's
/// pushes wait. Behind several replicas the two pushes may reach different replicas: every commit announces the
/// node's new head (`NOTIFY simpul_head`, sent by PostgreSQL when the transaction commits), each replica hears
/// them all, and a push whose predecessor is not here waits up to `appearWithin` for that head.
final class InFlightPushes: Sendable {
    private struct Flight {
        var node: String
        var toSeq: Int64
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private struct State {
        var nextID: UInt64 = 0
        var flights: [UInt64: Flight] = [:]
        /// The highest seq a finished push of each node ended at (stored or not, here or, as heard, at another
        /// replica): one entry per node.
        var lastEnded: [String: Int64] = [:]
    }

    private let state = Mutex(State())
    /// How long a push waits for a predecessor that is not (yet) in flight here: 1 s for two pushes of one replica
    /// sent back to back; 2 s behind several replicas, where the predecessor's commit is only heard.
    let appearWithin: Duration

    init(heads: (any HeadNotifications)? = nil) {
        appearWithin = heads == nil ? .seconds(1) : .seconds(2)
        heads?.listen { [weak self] node, seq in self?.heard(node: node, seq: seq) }
    }

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

    /// A head some replica committed.
    func heard(node: String, seq: Int64) {
        state.withLock { $0.lastEnded[node] = max($0.lastEnded[node] ?? 0, seq) }
    }

    /// Waits until no push of `node` ending at `seq` is in flight; true when the caller should read the head
    /// again. Two pushes sent back to back may reach the checks in either order (or different replicas), so one
    /// that is not registered yet gets `appearWithin` to show up or be heard of. False when there was none (a real gap).
    func waitForPush(node: String, endingAt seq: Int64) async -> Bool {
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

/// The heads other replicas of one database commit, as they commit them.
protocol HeadNotifications: Sendable {
    /// Delivers every committed head (node, seq) to `handler` from now on.
    func listen(_ handler: @escaping @Sendable (String, Int64) -> Void)
}

/// A storage several replicas share, which tells each of them the heads the others commit.
protocol HeadNotifyingStorage {
    var headNotifications: any HeadNotifications { get }
}
