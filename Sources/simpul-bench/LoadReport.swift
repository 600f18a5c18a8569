import Foundation

/// The figures of one `simpul-bench load` run, as text or as one JSON document (`--json`; keys in snake_case, counts
/// as integers, MB = 10^6 bytes).
struct LoadReport: Sendable, Codable {
    var nodes: Int
    var eventsPerNode: Int
    var aggregators: [String]
    var batch: Int
    var windowSeconds: Double
    var concurrency: Int
    /// Entries the receipts acknowledged, over every node.
    var events: Int
    var seconds: Double
    var eventsPerSecond: Double
    /// The time at least one push was out (the union of every request's send-to-answer interval): the window's idle
    /// stretches left out, so a short load is not judged by its window.
    var busySeconds: Double
    var eventsPerBusySecond: Double
    /// Successful push requests, and their latency in milliseconds.
    var pushes: Int
    var latencyP50Ms: Double
    var latencyP99Ms: Double
    var latencyMaxMs: Double
    /// Requests answered with anything but 200, 503, 409 gap and 409 busy, and batches given up after retrying
    /// past `--give-up`: each stops its node.
    var errors: Int
    var retries: Int
    var retriesByCause: RetryCounts
    var nodesCompleted: Int
    var stored: Int
    var duplicates: Int
    var quarantined: Int
    var connectionsOpened: Int
    /// CPU the harness itself used during the load (user + system), which the aggregator did not get.
    var harnessCPUSeconds: Double
    var memory: [MemoryWatch.Peak]
    var baseline: LoadBaseline.Result?
    /// events_per_second / the baseline's rows_per_second, and the same for events_per_busy_second.
    var ratio: Double?
    var busyRatio: Double?
    /// The first few errors, in words.
    var firstErrors: [String]

    init(load: LoadRun.Result, nodes: Int, eventsPerNode: Int, aggregators: [String], batch: Int, window: Double,
         concurrency: Int, connectionsOpened: Int, harnessCPUSeconds: Double, memory: [MemoryWatch.Peak], baseline: LoadBaseline.Result?) {
        let outcomes = load.outcomes
        let latencies = outcomes.flatMap(\.latencies).sorted()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            // Nearest rank.
            let rank = Int((p * Double(latencies.count)).rounded(.up))
            return latencies[min(max(rank, 1), latencies.count) - 1] * 1000
        }
        self.nodes = nodes
        self.eventsPerNode = eventsPerNode
        self.aggregators = aggregators
        self.batch = batch
        self.windowSeconds = window
        self.concurrency = concurrency
        events = outcomes.reduce(0) { $0 + $1.acknowledged }
        seconds = load.seconds
        eventsPerSecond = load.seconds > 0 ? Double(events) / load.seconds : 0
        busySeconds = Self.union(outcomes.flatMap(\.requests))
        eventsPerBusySecond = busySeconds > 0 ? Double(events) / busySeconds : 0
        pushes = latencies.count
        latencyP50Ms = percentile(0.50)
        latencyP99Ms = percentile(0.99)
        latencyMaxMs = (latencies.last ?? 0) * 1000
        let failed = outcomes.compactMap(\.error)
        errors = failed.count
        retriesByCause = outcomes.reduce(RetryCounts()) { $0 + $1.retries }
        retries = retriesByCause.total
        nodesCompleted = outcomes.count - failed.count
        stored = outcomes.reduce(0) { $0 + $1.stored }
        duplicates = outcomes.reduce(0) { $0 + $1.duplicates }
        quarantined = outcomes.reduce(0) { $0 + $1.quarantined }
        self.connectionsOpened = connectionsOpened
        self.harnessCPUSeconds = harnessCPUSeconds
        self.memory = memory
        self.baseline = baseline
        firstErrors = Array(failed.prefix(10))
        let (rate, busyRate) = (eventsPerSecond, eventsPerBusySecond)
        ratio = baseline.flatMap { $0.rowsPerSecond > 0 ? rate / $0.rowsPerSecond : nil }
        busyRatio = baseline.flatMap { $0.rowsPerSecond > 0 ? busyRate / $0.rowsPerSecond : nil }
    }

    /// The total length of a set of intervals, overlaps counted once.
    static func union(_ intervals: [ClosedRange<Double>]) -> Double {
        var total = 0.0
        var current: ClosedRange<Double>?
        for interval in intervals.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let open = current, interval.lowerBound <= open.upperBound {
                current = open.lowerBound...max(open.upperBound, interval.upperBound)
            } else {
                if let open = current { total += open.upperBound - open.lowerBound }
                current = interval
            }
        }
        if let open = current { total += open.upperBound - open.lowerBound }
        return total
    }

    var json: Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    var text: String {
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        func mb(_ bytes: Int) -> String { f(Double(bytes) / 1_000_000) }
        var lines = [
            "load: \(nodes) nodes x \(eventsPerNode) events, batches of \(batch), starting within \(f(windowSeconds, 0)) s, "
                + "at most \(concurrency) requests in flight, to \(aggregators.joined(separator: ", "))",
            "  events acknowledged : \(events) of \(nodes * eventsPerNode) (stored \(stored), duplicates \(duplicates), quarantined \(quarantined))",
            "  time                : \(f(seconds, 2)) s (from the window's start to the last receipt)",
            "  throughput          : \(Int(eventsPerSecond)) events/s; \(Int(eventsPerBusySecond)) events/s over the \(f(busySeconds, 2)) s "
                + "some push was out",
            "  push latency        : p50 \(f(latencyP50Ms)) ms, p99 \(f(latencyP99Ms)) ms, max \(f(latencyMaxMs)) ms over \(pushes) pushes",
            "  errors              : \(errors) (nodes completed \(nodesCompleted) of \(nodes))",
            "  retries             : \(retries) (503: \(retriesByCause.unavailable), 409 gap/busy: \(retriesByCause.conflict), "
                + "connection/timeout: \(retriesByCause.connection))",
            "  connections opened  : \(connectionsOpened); harness CPU \(f(harnessCPUSeconds, 2)) s",
        ]
        for peak in memory {
            var line = "  peak memory         : \(peak.name): RSS \(mb(peak.peakRSSBytes)) MB"
            if let pss = peak.peakPSSBytes { line += ", PSS \(mb(pss)) MB" }
            line += " (pid \(peak.pid)"
            if peak.processes > 1 { line += " and descendants, up to \(peak.processes) processes" }
            line += "; \(peak.samples) samples"
            if let hwm = peak.hwmBytes { line += "; VmHWM \(mb(hwm)) MB\(peak.hwmSinceStart ? " since the start" : " since it began")" }
            lines.append(line + ")")
        }
        if let baseline {
            lines.append("  baseline            : \(Int(baseline.rowsPerSecond)) rows/s (\(baseline.rows) rows in \(f(baseline.seconds, 2)) s, "
                + "\(baseline.transactions) transactions, \(baseline.connections) connection(s), \(baseline.database))")
            if baseline.runsRowsPerSecond.count > 1 {
                lines.append("  baseline runs       : the median of " + baseline.runsRowsPerSecond.map { "\(Int($0))" }.joined(separator: ", ") + " rows/s")
            }
            if let ratio, let busyRatio {
                lines.append("  ratio load/baseline : \(f(ratio, 2))x (\(f(busyRatio, 2))x over the busy time)")
            }
        }
        for error in firstErrors { lines.append("  error: \(error)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
