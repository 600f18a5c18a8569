import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SimpulAggregator
import SimpulCore
import Testing

/// Two aggregator replicas, each with its own PostgreSQL pool and in-flight relay, serving one database over real HTTP;
/// one node's log pushed to both at once, as a misconfigured office (or a load balancer spreading one node's pushes)
/// would: every event is stored once, the chain stays intact, and `verify` passes, over randomised runs.
@Suite(.enabled(if: TestDatabase.postgresAdminURL != nil, "runs in the PostgreSQL pass (SIMPUL_TEST_POSTGRES)"))
struct ReplicaRaceTests {
    /// How one run sends the log.
    enum Mode: CaseIterable {
        /// Both replicas get the whole log at once, each cut into different batches.
        case bothGetEverything
        /// One sender, batch k to replica k mod 2, two batches in flight: the second must wait for the first across
        /// replicas (never a gap).
        case alternatingPipelined
    }

    struct Outcome {
        var gaps = 0
        var retries = 0
        var pairs = 0
    }

    /// `count` entries cut into batches of 1 to `maxBatch`.
    static func split(_ count: Int64, maxBatch: Int64 = 13, using rng: inout some RandomNumberGenerator) -> [ClosedRange<Int64>] {
        var out = [ClosedRange<Int64>]()
        var from: Int64 = 1
        while from <= count {
            let to = min(count, from + Int64.random(in: 0...(maxBatch - 1), using: &rng))
            out.append(from...to)
            from = to + 1
        }
        return out
    }

    /// Pushes `batches[first..<end]` in order through `client`, as a node does: a gap resumes from the head the answer
    /// names (in the whole list), `busy` and 503 retry.
    static func send(_ log: NodeLog, _ batches: [ClosedRange<Int64>], first: Int = 0, end: Int? = nil, to client: any TestClientProtocol,
                     outcome: inout Outcome) async throws {
        var index = first
        var attempts = 0
        while index < (end ?? batches.count) {
            attempts += 1
            guard attempts < 500 else { throw HarnessError("no progress after 500 pushes") }
            let range = batches[index]
            let response = try await client.push(node: log.id, body: try log.body(range), gzip: true)
            switch response.status.code {
            case 200: index += 1
            case 409, 503:
                let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
                outcome.retries += 1
                if problem.type == ProblemType.gap.rawValue, let head = problem.head?.seq {
                    outcome.gaps += 1
                    index = batches.firstIndex { $0.contains(head + 1) } ?? batches.count
                } else if problem.type != ProblemType.busy.rawValue && problem.type != ProblemType.databaseUnavailable.rawValue {
                    throw HarnessError("push \(range) answered \(problem.type): \(problem.detail)")
                }
            default:
                throw HarnessError("push \(range) answered \(response.status.code): \(String(buffer: response.body))")
            }
        }
    }

    @Test(arguments: 0..<24)
    func oneNodesLogPushedToTwoReplicasAtOnceIsStoredOnce(run: Int) async throws {
        var rng = SeededGenerator(seed: UInt64(run) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        let mode = Mode.allCases[run % Mode.allCases.count]
        let count = Int64.random(in: 20...90, using: &rng)
        var built = NodeLog(id: "35.07.01")
        try built.record(Int(count))
        let log = built
        let database = try TestDatabase.make(in: NSTemporaryDirectory())
        defer { database.drop() }
        let first = try await database.open(), second = try await database.open()
        try await first.addNodes([NodeRecord(id: log.id, publicKey: log.key.publicKey.base64, enrolledAt: "2026-03-01T08:00:00+07:00")])
        let key = SigningKey()
        var logger = Logger(label: "simpul-aggregator-test")
        logger.logLevel = .critical
        let log2 = logger
        @Sendable func replica(_ storage: any AggregatorStorage) -> Application<RouterResponder<BasicRequestContext>> {
            let ingest = PushIngest(storage: storage, rules: EventRules(), limits: AggregatorHarness.limits, signingKey: key)
            return Application(router: AggregatorApp(ingest: ingest).router(), logger: log2)
        }
        // Small batches when alternating: at least 3 pairs (20 entries, 4 at most per batch), so one slow push cannot
        // decide the run.
        let splitA = Self.split(count, maxBatch: mode == .alternatingPipelined ? 4 : 13, using: &rng), splitB = Self.split(count, using: &rng)
        let outcome = try await replica(first).test(.live) { one in
            try await replica(second).test(.live) { two in
                switch mode {
                case .bothGetEverything:
                    async let a: Outcome = { var o = Outcome(); try await Self.send(log, splitA, to: one, outcome: &o); return o }()
                    async let b: Outcome = { var o = Outcome(); try await Self.send(log, splitB, to: two, outcome: &o); return o }()
                    let (x, y) = try await (a, b)
                    return Outcome(gaps: x.gaps + y.gaps, retries: x.retries + y.retries)
                case .alternatingPipelined:
                    var total = Outcome()
                    for pair in stride(from: 0, to: splitA.count, by: 2) {
                        async let a: Outcome = {
                            var o = Outcome()
                            try await Self.send(log, splitA, first: pair, end: pair + 1, to: one, outcome: &o)
                            return o
                        }()
                        // The second batch leaves just after the first, to the other replica.
                        async let b: Outcome = {
                            var o = Outcome()
                            try await Task.sleep(for: .milliseconds(2))
                            try await Self.send(log, splitA, first: pair + 1, end: min(pair + 2, splitA.count), to: two, outcome: &o)
                            return o
                        }()
                        let (x, y) = try await (a, b)
                        total.gaps += x.gaps + y.gaps
                        total.retries += x.retries + y.retries
                        total.pairs += 1
                    }
                    return total
                }
            }
        }
        // Every event once, in order, byte for byte; the head is the log's; the stored chains and signatures verify.
        let stored = try await first.entries(node: log.id, after: 0, limit: 10_000)
        #expect(stored.map(\.seq) == Array(1...count), "run \(run) (\(mode)): seqs \(stored.map(\.seq))")
        #expect(stored.map(\.bytes) == log.slice(1...count).map(\.bytes))
        #expect(Set(try database.rows("SELECT event_id FROM entries").map { $0[0] ?? "" }).count == Int(count))
        let head = try #require(try await second.node(log.id))
        #expect(head.headSeq == count && head.headHash == log.hashHex(count))
        #expect(try await StoredLogVerifier(storage: first).verifyAll().allSatisfy(\.ok))
        if mode == .alternatingPipelined {
            // Without hearing the other replica's commit nearly every second push is a gap; a loaded machine may let a
            // predecessor take longer than the wait now and then (a node re-sends, as here).
            #expect(outcome.gaps * 2 <= outcome.pairs, "run \(run): \(outcome.gaps) of \(outcome.pairs) pushes after one at the other replica were gaps")
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing run can be repeated.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
