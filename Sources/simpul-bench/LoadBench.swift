import ArgumentParser
import Foundation
import NIOCore
import SimpulCore

/// `load`: many simulated nodes pushing their backlogs to running aggregator replicas over real HTTP, in one process,
/// beside a baseline of the same rows written straight into the database (issue 11). `scripts/bench-load.sh` runs it
/// end to end: `--enrol-file` first (the nodes' keys come from `--seed`, so that run and the load agree), then the load.
struct LoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "N simulated nodes push E events each to running aggregators over HTTP; events/s, latency, errors, peak memory, vs a baseline.",
        discussion: """
            Each node has its own Ed25519 key (from --seed and its index) and a backlog built before the clock starts \
            exactly as a node records it. Node i pushes to replica i % R, starting at a random moment within --window \
            seconds, batch after batch; 503 and failed connections, 409 gap and 409 busy are retried after a backoff \
            (retries); any other refusal stops the node (an error). Exit status 1 when there is any error.
            """)

    @Option(help: "Simulated nodes.") var nodes = 50
    @Option(help: "Events per node.") var events = 200
    @Option(help: "Aggregator replicas, comma-separated (http://HOST:PORT); nodes are spread round-robin over them.")
    var aggregators: String?
    @Option(help: "Entries per push (at most the aggregator's max_entries).") var batch = 200
    @Option(help: "Each node starts at a random moment within this many seconds.") var window = 10.0
    @Option(help: "HTTP requests in flight at most.") var concurrency = 512
    @Option(help: "Write 'node_id,public_key' lines for 'simpul-aggregator nodes add --file' and exit.") var enrolFile: String?
    @Option(help: "Seed of the nodes' keys, ids and events (the enrolment run and the load run must use the same).")
    var seed: UInt64 = 1
    @Option(help: "gzip level of push bodies (0: none), as a node's sync.gzip_level.") var gzipLevel: Int32 = 1
    @Option(help: "Seconds to wait for one answer before the connection is dropped (and the push retried).") var timeout = 120
    @Option(help: "A batch still failing this many seconds after its first try counts as an error.") var giveUp = 300.0
    @Option(help: "NAME=PID: report the peak memory of PID and its descendants (repeatable).") var watchPid: [String] = []
    @Option(help: "The same rows straight into sqlite:PATH (a new file) or postgres://USER@HOST:PORT/DB (a scratch schema).")
    var baseline: String?
    @Option(help: "The PostgreSQL baseline's connections (default: --concurrency, at most 64).") var baselineConnections: Int?
    @Option(help: "How many times the baseline runs (its median is the one compared).") var baselineRuns = 3
    @Flag(help: "Print one JSON document.") var json = false

    func validate() throws {
        guard nodes >= 1, events >= 1 else { throw ValidationError("--nodes and --events must be at least 1") }
        guard batch >= 1, concurrency >= 1, timeout >= 1 else { throw ValidationError("--batch, --concurrency and --timeout must be at least 1") }
        guard window >= 0, giveUp > 0 else { throw ValidationError("--window must be at least 0 and --give-up above 0") }
        guard (0...9).contains(gzipLevel) else { throw ValidationError("--gzip-level must be 0-9") }
        if let baselineConnections, baselineConnections < 1 { throw ValidationError("--baseline-connections must be at least 1") }
        if baselineRuns < 1 { throw ValidationError("--baseline-runs must be at least 1") }
    }

    func run() async throws {
        let identity = LoadIdentity(seed: seed)
        guard nodes <= identity.capacity else {
            throw BenchError("--nodes \(nodes): at most \(identity.capacity) ids (\(identity.kecamatan.count) kecamatan x suffixes 01-99)")
        }
        if let enrolFile {
            try identity.enrolment(nodes: nodes).write(toFile: enrolFile, atomically: true, encoding: .utf8)
            note("wrote \(nodes) enrolments (seed \(seed)) to \(enrolFile)")
            return
        }
        guard let aggregators else { throw BenchError("give --aggregators URL[,URL...] (or --enrol-file PATH)") }
        let endpoints = try aggregators.split(separator: ",").map { try LoadEndpoint(url: String($0)) }
        guard !endpoints.isEmpty else { throw BenchError("--aggregators names no URL") }
        let watch = MemoryWatch(try watchPid.map(MemoryWatch.Target.init))
        let baselineTarget = try baseline.map(LoadBaseline.init)

        let client = LoadHTTPClient(concurrency: concurrency, timeoutSeconds: timeout)
        let batch = try await batchSize(client: client, endpoint: endpoints[0])
        note("building \(nodes) backlogs of \(events) events...")
        let buildStart = ContinuousClock.now
        let built = try await backlogs(identity)
        let backlogSeconds = buildStart.duration(to: .now).inSeconds
        note("built in \(String(format: "%.1f", backlogSeconds)) s; pushing to \(endpoints.map(\.url).joined(separator: ", "))")

        let pusher = LoadPusher(client: client, batch: batch, gzipLevel: gzipLevel, giveUpSeconds: giveUp)
        let cpuBefore = cpuSeconds()
        watch.start()
        let result = await LoadRun(nodes: built, endpoints: endpoints, pusher: pusher, window: window, seed: seed).run()
        let memory = await watch.stop()
        let cpu = cpuSeconds() - cpuBefore
        await client.shutdown(endpoints)

        var baselineResult: LoadBaseline.Result?
        if let baselineTarget {
            let connections = baselineConnections ?? min(concurrency, 64)
            note("baseline: the same rows into \(baselineTarget)...")
            baselineResult = try await baselineTarget.run(LoadBaseline.jobs(nodes: built, batch: batch), connections: connections, runs: baselineRuns)
        }
        let report = LoadReport(
            load: result, nodes: nodes, eventsPerNode: events, aggregators: endpoints.map(\.url), batch: batch, window: window,
            concurrency: concurrency, connectionsOpened: client.connectionsOpened, harnessCPUSeconds: cpu, memory: memory,
            baseline: baselineResult)
        if json {
            FileHandle.standardOutput.write(report.json + Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(report.text.utf8))
        }
        if report.errors > 0 { throw ExitCode(1) }
    }

    /// `--batch`, lowered to the aggregator's `max_entries` (GET /v1/limits) when that is smaller.
    private func batchSize(client: LoadHTTPClient, endpoint: LoadEndpoint) async throws -> Int {
        let answer: LoadHTTPAnswer
        do {
            answer = try await client.send(.GET, "/v1/limits", to: endpoint, headers: [], body: ByteBuffer()).answer
        } catch {
            throw BenchError("cannot read \(endpoint.url)/v1/limits: \(error) (is the aggregator serving?)")
        }
        guard answer.status == 200, let limits = try? JSONDecoder().decode(Limits.self, from: Data(answer.body.readableBytesView)) else {
            throw BenchError("\(endpoint.url)/v1/limits answered \(answer.status): \(String(buffer: answer.body).prefix(200))")
        }
        if batch > limits.maxEntries {
            note("--batch \(batch) is above the aggregator's max_entries; pushing batches of \(limits.maxEntries)")
            return limits.maxEntries
        }
        return batch
    }

    /// Every node's backlog, built on all cores.
    private func backlogs(_ identity: LoadIdentity) async throws -> [LoadNode] {
        let builder = EventBuilder(rules: EventRules(), pseudonymizer: try identity.pseudonymizer())
        let rulesVersion = RulesDocument.shipped.version
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let (count, events) = (nodes, events)
        return try await withThrowingTaskGroup(of: [LoadNode].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    try stride(from: worker, to: count, by: workers).map {
                        try LoadNode.build(index: $0, events: events, identity: identity, builder: builder, rulesVersion: rulesVersion)
                    }
                }
            }
            var all = [LoadNode]()
            for try await part in group { all += part }
            return all.sorted { $0.index < $1.index }
        }
    }

    private func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    private func note(_ text: String) {
        FileHandle.standardError.write(Data("simpul-bench load: \(text)\n".utf8))
    }
}
