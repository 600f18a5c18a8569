import Synchronization

/// The pushes being verified or stored right now, per node, on this replica and (through a relay) on the others.
///
/// A node may send its next batch before the previous one is acknowledged (two pushes in flight hide the
/// store step of one behind the verification of the other). That batch does not link to the stored head yet;
/// instead of refusing it as a gap, ingest verifies it meanwhile and then waits here for the push that ends
/// just before it. Only pushes whose signature checked out are registered, so a stranger cannot make a node's
/// pushes wait. Behind several replicas the two pushes may reach different replicas: each replica announces its
/// pushes through the relay (PostgreSQL's NOTIFY) and mirrors the others', so the wait works across them.
final class InFlightPushes: Sendable {
    private struct Flight {
        var node: String
        var toSeq: Int64
        var startedAt: ContinuousClock.Instant
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private struct State {
        var nextID: UInt64 = 0
        var flights: [FlightKey: Flight] = [:]
        /// The highest seq a finished push of each node ended at (stored or not): one entry per node.
        var lastEnded: [String: Int64] = [:]
    }

    private let state = Mutex(State())
    private let relay: (any InFlightRelay)?
    /// A push another replica announced and never ended (that replica stopped) is forgotten after this long.
    static let remoteFlightLifetime: Duration = .seconds(30)

    init(relay: (any InFlightRelay)? = nil) {
        self.relay = relay
        relay?.listen { [weak self] event in self?.apply(event) }
    }

    /// Registers a push of `node` ending at `toSeq`; pair with `end`.
    func begin(node: String, toSeq: Int64) -> FlightKey {
        let key = state.withLock { state -> FlightKey in
            state.nextID += 1
            let key = FlightKey(replica: relay?.replicaID ?? "", id: state.nextID)
            state.flights[key] = Flight(node: node, toSeq: toSeq, startedAt: .now)
            return key
        }
        relay?.announce(.began(key, node: node, toSeq: toSeq))
        return key
    }

    /// The push is stored or refused: whoever waits for it re-reads the head.
    func end(_ key: FlightKey) {
        guard let node = finish(key) else { return }
        relay?.announce(.ended(key, node: node))
    }

    /// Another replica's announcement (our own come back too and are ignored).
    func apply(_ event: InFlightEvent) {
        switch event {
        case .began(let key, let node, let toSeq):
            guard key.replica != relay?.replicaID else { return }
            state.withLock { $0.flights[key] = Flight(node: node, toSeq: toSeq, startedAt: .now) }
        case .ended(let key, _):
            guard key.replica != relay?.replicaID else { return }
            _ = finish(key)
        }
    }

    /// Removes a flight and wakes its waiters; the node it was of, if it was known.
    private func finish(_ key: FlightKey) -> String? {
        let (node, waiters) = state.withLock { state -> (String?, [CheckedContinuation<Void, Never>]) in
            guard let flight = state.flights.removeValue(forKey: key) else { return (nil, []) }
            state.lastEnded[flight.node] = max(state.lastEnded[flight.node] ?? 0, flight.toSeq)
            return (flight.node, flight.waiters)
        }
        for waiter in waiters { waiter.resume() }
        return node
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
            let queued = state.withLock { state -> FlightKey? in
                guard let key = state.flights.first(where: { $0.value.node == node && $0.value.toSeq == seq })?.key else { return nil }
                state.flights[key]?.waiters.append(continuation)
                return key
            }
            // It ended between the look and the wait.
            guard let queued else { return continuation.resume() }
            if queued.replica != (relay?.replicaID ?? "") {
                // Another replica's push: its end may never be heard (that replica stopped, or the database was down
                // when it announced it). It is forgotten after its lifetime, which wakes this wait.
                Task { [weak self] in
                    try? await Task.sleep(for: Self.remoteFlightLifetime)
                    self?.expireRemoteFlights()
                }
            }
        }
        return true
    }

    func hasEnded(node: String, atOrAfter seq: Int64) -> Bool {
        state.withLock { ($0.lastEnded[node] ?? 0) >= seq }
    }

    func isInFlight(node: String, endingAt seq: Int64) -> Bool {
        expireRemoteFlights()
        return state.withLock { $0.flights.values.contains { $0.node == node && $0.toSeq == seq } }
    }

    /// Forgets pushes of other replicas that never ended (the replica stopped), waking whoever waited on them.
    private func expireRemoteFlights() {
        guard let own = relay?.replicaID else { return }
        let now = ContinuousClock.now
        let stale = state.withLock { state in
            state.flights.filter { $0.key.replica != own && $0.value.startedAt.duration(to: now) > Self.remoteFlightLifetime }.map(\.key)
        }
        for key in stale { _ = finish(key) }
    }
}

/// One push in flight: the replica that took it and its number there.
struct FlightKey: Hashable, Sendable {
    var replica: String
    var id: UInt64
}

/// What replicas tell each other about their pushes.
enum InFlightEvent: Sendable, Equatable {
    case began(FlightKey, node: String, toSeq: Int64)
    case ended(FlightKey, node: String)

    /// The NOTIFY payload: `b REPLICA ID NODE TOSEQ` or `e REPLICA ID NODE` (node ids and replica ids hold no spaces).
    var payload: String {
        switch self {
        case .began(let key, let node, let toSeq): "b \(key.replica) \(key.id) \(node) \(toSeq)"
        case .ended(let key, let node): "e \(key.replica) \(key.id) \(node)"
        }
    }

    init?(payload: String) {
        let parts = payload.split(separator: " ").map(String.init)
        guard parts.count >= 4, let id = UInt64(parts[2]) else { return nil }
        let key = FlightKey(replica: parts[1], id: id)
        switch parts[0] {
        case "b" where parts.count == 5: guard let toSeq = Int64(parts[4]) else { return nil }
            self = .began(key, node: parts[3], toSeq: toSeq)
        case "e" where parts.count == 4: self = .ended(key, node: parts[3])
        default: return nil
        }
    }
}

/// Carries in-flight announcements between replicas sharing one database.
protocol InFlightRelay: Sendable {
    /// This replica's id, unique among the replicas running now.
    var replicaID: String { get }
    /// Sends an announcement to every replica (best effort: a lost one costs a node a retry, never data).
    func announce(_ event: InFlightEvent)
    /// Delivers every replica's announcements to `handler` from now on.
    func listen(_ handler: @escaping @Sendable (InFlightEvent) -> Void)
}

/// A storage several replicas share, which carries their in-flight announcements.
protocol RelayingStorage {
    var inFlightRelay: any InFlightRelay { get }
}
