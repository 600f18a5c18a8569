import Foundation
import SimpulCore
import Synchronization

/// Counters for `GET /metrics` (Prometheus text format). Hand-written: a few counters do not earn a
/// metrics framework and its build time.
public final class AggregatorMetrics: Sendable {
    private struct State {
        var pushes: [String: Int] = [:]
        var stored = 0
        var duplicates = 0
        var quarantined = 0
        var bytes = 0
        var seconds = 0.0
        /// Enrolled nodes whose last requests were refused for a reason they cannot fix by retrying.
        var refusals: [String: Refusal] = [:]
    }

    /// A node's requests refused since its last accepted push, for the dashboard (process-local: it starts empty
    /// when `serve` starts; revoked and forked nodes are shown from the database anyway).
    public struct Refusal: Sendable, Equatable {
        public var type: ProblemType
        public var count: Int
        public var lastAt: Date

        /// Whether the refused request was signed by the node's key (revoked, fork): the node itself is stuck. A
        /// bad signature may be the node with a wrong key enrolled, or anyone else sending in its name, so it says
        /// nothing certain about the node.
        public var fromTheNode: Bool { type != .badSignature }
    }

    /// Problem types that retrying cannot fix. All are answered only after the node was found enrolled, so the
    /// table never holds more entries than there are enrolled nodes, whatever an unauthenticated client sends.
    static let unfixable: Set<ProblemType> = [.badSignature, .nodeRevoked, .fork]

    func recordRefusal(node: String, type: String, at now: Date) {
        guard let type = ProblemType(rawValue: type), Self.unfixable.contains(type) else { return }
        state.withLock {
            // A signed refusal is not overwritten by a bad-signature one an outsider can send at will.
            if let held = $0.refusals[node], held.fromTheNode, type == .badSignature { return }
            var refusal = $0.refusals[node] ?? Refusal(type: type, count: 0, lastAt: now)
            refusal.type = type
            refusal.count += 1
            refusal.lastAt = now
            $0.refusals[node] = refusal
        }
    }

    func recordAccepted(node: String) {
        state.withLock { _ = $0.refusals.removeValue(forKey: node) }
    }

    /// The refusals to show per node.
    public func refusals() -> [String: Refusal] {
        state.withLock { $0.refusals }
    }

    private let state = Mutex(State())

    public init() {}

    func recordPush(result: String, stored: Int, duplicates: Int, quarantined: Int, bytes: Int, seconds: Duration) {
        state.withLock {
            $0.pushes[result, default: 0] += 1
            $0.stored += stored
            $0.duplicates += duplicates
            $0.quarantined += quarantined
            $0.bytes += bytes
            $0.seconds += seconds.inSeconds
        }
    }

    func render(storage: any AggregatorStorage) async -> String {
        let s = state.withLock { $0 }
        var out = """
            # HELP simpul_pushes_total Push requests by result (ok or the problem type).
            # TYPE simpul_pushes_total counter

            """
        for (result, count) in s.pushes.sorted(by: { $0.key < $1.key }) {
            out += "simpul_pushes_total{result=\"\(result)\"} \(count)\n"
        }
        out += """
            # HELP simpul_entries_stored_total Log entries newly stored.
            # TYPE simpul_entries_stored_total counter
            simpul_entries_stored_total \(s.stored)
            # HELP simpul_entries_duplicate_total Log entries re-sent that were already stored (acknowledged, not stored).
            # TYPE simpul_entries_duplicate_total counter
            simpul_entries_duplicate_total \(s.duplicates)
            # HELP simpul_entries_quarantined_total Entries stored but held in quarantine (their events fail the rules).
            # TYPE simpul_entries_quarantined_total counter
            simpul_entries_quarantined_total \(s.quarantined)
            # HELP simpul_push_body_bytes_total Push body bytes received (as sent, compressed).
            # TYPE simpul_push_body_bytes_total counter
            simpul_push_body_bytes_total \(s.bytes)
            # HELP simpul_push_seconds_total Time spent handling pushes.
            # TYPE simpul_push_seconds_total counter
            simpul_push_seconds_total \(s.seconds)

            """
        if let nodes = try? await storage.listNodes() {
            out += "# HELP simpul_nodes Enrolled nodes by state.\n# TYPE simpul_nodes gauge\n"
            var byState = [NodeState: Int]()
            for node in nodes { byState[node.state, default: 0] += 1 }
            for state in NodeState.allCases {
                out += "simpul_nodes{state=\"\(state.rawValue)\"} \(byState[state] ?? 0)\n"
            }
            out += "# HELP simpul_quarantined_entries Entries held in quarantine now (stored, counted in no figure).\n"
            out += "# TYPE simpul_quarantined_entries gauge\n"
            out += "simpul_quarantined_entries \(nodes.reduce(0) { $0 + $1.quarantined })\n"
            out += "# HELP simpul_node_quarantined_entries Entries held in quarantine now, per node holding any.\n"
            out += "# TYPE simpul_node_quarantined_entries gauge\n"
            for node in nodes where node.quarantined > 0 {
                out += "simpul_node_quarantined_entries{node=\"\(node.id)\"} \(node.quarantined)\n"
            }
        }
        return out
    }
}
