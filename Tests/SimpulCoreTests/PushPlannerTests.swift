import Testing
@testable import SimpulCore

/// The push planner on simulated links (a fake clock and a model of the wire, no I/O).
@Suite("Push planner (pure state machine, fake clock)")
struct PushPlannerTests {
    /// A link that delivers `rate` body bytes per second with a fixed round trip; entries compress to `bytesPerEntry`.
    struct SimulatedLink {
        var rate: Double
        var roundTrip: Double
        var bytesPerEntry = 60
    }

    /// Runs a backlog of `entries` through the planner on `link`, one answer at a time; returns the batch sizes sent,
    /// the most pushes ever in flight, and the simulated time taken.
    static func run(_ planner: inout PushPlanner, entries: Int64, link: SimulatedLink) -> (sizes: [Int], maxInFlight: Int, seconds: Double) {
        var now = 0.0
        var linkFreeAt = 0.0
        var answers = [(through: Int64, at: Double)]()
        var sizes = [Int]()
        var maxInFlight = 0
        var guardCount = 0
        while !planner.isDone, guardCount < 10_000 {
            guardCount += 1
            while let batch = planner.nextBatch() {
                guard batch.after < entries else { planner.nothingToSend(); break }
                let through = min(entries, batch.after + Int64(batch.maxEntries))
                let count = Int(through - batch.after)
                let bytes = count * link.bytesPerEntry
                planner.sent(from: batch.after + 1, through: through, bytes: bytes, at: now)
                sizes.append(count)
                // The wire is shared: this body follows whatever is still being sent.
                let start = max(now, linkFreeAt)
                linkFreeAt = start + Double(bytes) / link.rate
                answers.append((through, linkFreeAt + link.roundTrip))
                maxInFlight = max(maxInFlight, planner.inFlight)
            }
            guard !answers.isEmpty else { continue }
            let answer = answers.removeFirst()
            now = max(now, answer.at)
            _ = planner.answered(.acknowledged(through: answer.through), at: now)
        }
        return (sizes, maxInFlight, now)
    }

    @Test("on a 64 kbit/s link batches grow to take about the target time, one push at a time, close to the link's limit")
    func slowLinkBatchesTakeAFewSeconds() {
        var planner = PushPlanner(acked: 0, tuning: .init(maxEntries: 1000, maxBytes: 4 << 20))
        let link = SimulatedLink(rate: 8000, roundTrip: 0.6)
        let result = Self.run(&planner, entries: 6000, link: link)
        #expect(result.maxInFlight == 1, "two pushes would share (and starve on) a slow link")
        let settled = result.sizes.dropFirst(3).dropLast()
        let seconds = settled.map { Double($0 * link.bytesPerEntry) / link.rate }
        #expect(seconds.allSatisfy { $0 >= 3 && $0 <= 7 }, "batches should take a few seconds on the wire: \(seconds)")
        let limit = Double(6000 * link.bytesPerEntry) / link.rate
        #expect(result.seconds / limit < 1.2, "took \(result.seconds) s against a limit of \(limit) s")
    }

    @Test("on a fast link batches grow to the configured maximum, at most doubling each time, and two travel at once")
    func fastLinkUsesFullBatchesAndPipelines() {
        var planner = PushPlanner(acked: 0, tuning: .init(maxEntries: 1000, maxBytes: 4 << 20))
        let result = Self.run(&planner, entries: 20_000, link: SimulatedLink(rate: 50_000_000, roundTrip: 0.002))
        #expect(result.sizes.first == 250)
        for (previous, next) in zip(result.sizes, result.sizes.dropFirst()) {
            #expect(next <= previous * 2, "grew from \(previous) to \(next)")
        }
        #expect(result.sizes.contains(1000))
        #expect(result.sizes.allSatisfy { $0 <= 1000 })
        #expect(result.maxInFlight == 2)
    }

    @Test("a link failure after progress resumes at once with half the batch; one with no progress since gives up")
    func retryAfterProgressOnly() {
        var planner = PushPlanner(acked: 0, tuning: .init(maxEntries: 1000, maxBytes: 4 << 20))
        let first = planner.nextBatch()
        #expect(first == PushPlanner.Batch(after: 0, maxEntries: 250, maxBytes: 4 << 20))
        planner.sent(from: 1, through: 250, bytes: 15_000, at: 0)
        #expect(planner.answered(.acknowledged(through: 250), at: 2) == .proceed)
        let size = planner.batchEntries
        planner.sent(from: 251, through: 250 + Int64(size), bytes: 30_000, at: 2)
        #expect(planner.linkFailed() == .retryNow)
        #expect(planner.batchEntries == max(50, size / 2))
        planner.resumed(acked: 250)
        #expect(planner.nextBatch()?.after == 250, "resumes from what the aggregator acknowledged")
        // The resumed push fails too, with nothing acknowledged in between: leave it to the backoff.
        planner.sent(from: 251, through: 300, bytes: 3_000, at: 3)
        #expect(planner.linkFailed() == .giveUp)
        #expect(planner.resumes == 1)
    }

    @Test("a first gap is resent once from the acknowledged seq; a repeated gap is followed to the aggregator's head, at most three times")
    func gapHandling() {
        var planner = PushPlanner(acked: 100, tuning: .init(maxEntries: 100, maxBytes: 1 << 20, minEntries: 10, initialEntries: 100))
        planner.sent(from: 101, through: 200, bytes: 6000, at: 0)
        #expect(planner.answered(.gap(head: 40), at: 1) == .restart(after: 100), "the gap may predate the previous receipt")
        for follow in 1...3 {
            planner.sent(from: 101, through: 200, bytes: 6000, at: Double(follow))
            #expect(planner.answered(.gap(head: 40), at: Double(follow) + 0.5) == .restart(after: 40))
            #expect(planner.acked == 40)
            planner.sent(from: 41, through: 140, bytes: 6000, at: Double(follow) + 0.6)
            #expect(planner.answered(.gap(head: 40), at: Double(follow) + 0.7) == .restart(after: 40))
        }
        planner.sent(from: 41, through: 140, bytes: 6000, at: 9)
        #expect(planner.answered(.gap(head: 40), at: 10) == .giveUp)
    }

    @Test("a receipt acknowledging another seq than the batch's last starts over from that seq")
    func partialAcknowledgement() {
        var planner = PushPlanner(acked: 0, tuning: .init(maxEntries: 100, maxBytes: 1 << 20, minEntries: 10, initialEntries: 100))
        planner.sent(from: 1, through: 100, bytes: 6000, at: 0)
        #expect(planner.answered(.acknowledged(through: 60), at: 1) == .restart(after: 60))
        #expect(planner.nextBatch()?.after == 60)
    }
}
