import CoreMetrics
import Foundation
import Metrics
import Prometheus
import SimpulCore
import Synchronization

/// What `GET /metrics` exposes, recorded through swift-metrics into this aggregator's own Prometheus registry
/// (swift-prometheus writes the text format): pushes by result, entries stored, duplicated and quarantined (by the
/// field that broke a rule), forks, push body bytes and a push-latency histogram; and, read from the database at each
/// scrape, nodes by state, entries held in quarantine, each node's seconds since its last sync, and build info.
/// A registry per instance (not swift-metrics' global bootstrap), so tests and several apps in one process stay apart.
public final class AggregatorMetrics: Sendable {
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

    /// Push latency buckets: a small push on loopback takes milliseconds, a large one behind a busy database seconds.
    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let stored: CoreMetrics.Counter
    private let duplicates: CoreMetrics.Counter
    private let bodyBytes: CoreMetrics.Counter
    private let forks: CoreMetrics.Counter
    private let latency: Metrics.Timer
    /// Counters with a label, made on first use (results and fields are closed sets, so these stay small).
    private let labelled = Mutex([String: CoreMetrics.Counter]())
    private let refusalTable = Mutex([String: Refusal]())

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = ["simpul_push_duration_seconds": Self.latencyBuckets]
        self.factory = factory
        stored = CoreMetrics.Counter(label: "simpul_entries_stored_total", factory: factory)
        duplicates = CoreMetrics.Counter(label: "simpul_entries_duplicate_total", factory: factory)
        bodyBytes = CoreMetrics.Counter(label: "simpul_push_body_bytes_total", factory: factory)
        forks = CoreMetrics.Counter(label: "simpul_forks_total", factory: factory)
        latency = Metrics.Timer(label: "simpul_push_duration_seconds", factory: factory)
        gauge("simpul_build_info", "This aggregator's version and protocol (always 1).",
              [("version", BuildInfo.version), ("protocol", String(BuildInfo.protocolVersion))]).set(Int64(1))
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    private func counter(_ name: String, _ label: String, _ value: String) -> CoreMetrics.Counter {
        labelled.withLock { table in
            let key = name + "\u{1}" + value
            if let counter = table[key] { return counter }
            let counter = CoreMetrics.Counter(label: name, dimensions: [(label, value)], factory: factory)
            table[key] = counter
            return counter
        }
    }

    func recordPush(result: String, stored: Int, duplicates: Int, quarantinedFields: [String], bytes: Int, seconds: Duration) {
        counter("simpul_pushes_total", "result", result).increment()
        if result == ProblemType.fork.rawValue { forks.increment() }
        self.stored.increment(by: stored)
        self.duplicates.increment(by: duplicates)
        for field in quarantinedFields { counter("simpul_entries_quarantined_total", "field", field).increment() }
        bodyBytes.increment(by: bytes)
        latency.recordNanoseconds(seconds.components.seconds * 1_000_000_000 + seconds.components.attoseconds / 1_000_000_000)
    }

    func recordRefusal(node: String, type: String, at now: Date) {
        guard let type = ProblemType(rawValue: type), Self.unfixable.contains(type) else { return }
        refusalTable.withLock {
            // A signed refusal is not overwritten by a bad-signature one an outsider can send at will.
            if let held = $0[node], held.fromTheNode, type == .badSignature { return }
            var refusal = $0[node] ?? Refusal(type: type, count: 0, lastAt: now)
            refusal.type = type
            refusal.count += 1
            refusal.lastAt = now
            $0[node] = refusal
        }
    }

    func recordAccepted(node: String) {
        refusalTable.withLock { _ = $0.removeValue(forKey: node) }
    }

    /// The refusals to show per node.
    public func refusals() -> [String: Refusal] {
        refusalTable.withLock { $0 }
    }

    /// The text exposition, with the database's gauges read now (left out if the database cannot be read).
    func render(storage: any AggregatorStorage, now: Date = Date()) async -> String {
        if let nodes = try? await storage.listNodes() {
            var byState = [NodeState: Int]()
            for node in nodes { byState[node.state, default: 0] += 1 }
            for state in NodeState.allCases {
                gauge("simpul_nodes", "Enrolled nodes by state.", [("state", state.rawValue)]).set(Int64(byState[state] ?? 0))
            }
            gauge("simpul_quarantined_entries", "Entries held in quarantine now (stored, counted in no figure).")
                .set(Int64(nodes.reduce(0) { $0 + $1.quarantined }))
            for node in nodes {
                gauge("simpul_node_quarantined_entries", "Entries held in quarantine now, per node.", [("node", node.id)])
                    .set(Int64(node.quarantined))
                if let backlog = node.reportedBacklog {
                    gauge("simpul_node_reported_backlog", "Entries each node said it still had to send after its last accepted push.",
                          [("node", node.id)]).set(backlog)
                }
                if let seen = node.lastSeenAt.flatMap({ RFC3339.parse($0)?.date }) {
                    gauge("simpul_node_seconds_since_sync", "Seconds since each node's last accepted push or signed read (its lag).",
                          [("node", node.id)]).set(Double(max(0, now.timeIntervalSince(seen).rounded())))
                }
            }
        }
        return registry.emitToString()
    }
}
