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
        planner.observedRoundTrip(link.roundTrip)  // the head read before the pushes
        while !planner.isDone, guardCount < 10_000 {
            guardCount += 1
            var wakeAt: Double?
            sending: while true {
                let batch: PushPlanner.Batch
                switch planner.next(at: now) {
                case .send(let offered): batch = offered
                case .wait(let until): wakeAt = until; break sending
                case .none: break sending
                }
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
            if let wakeAt, wakeAt < answers[0].at {
                now = max(now, wakeAt)
                continue
            }
            let answer = answers.removeFirst()
            now = max(now, answer.at)
            _ = planner.answered(.acknowledged(through: answer.through), at: now)
        }
        return (sizes, maxInFlight, now)
    }

    @Test("on a 64 kbit/s link batches grow to take about the target time; the next leaves when the last has, so round trips hide")
    func slowLinkBatchesTakeAFewSeconds() {
        var planner = PushPlanner(acked: 0, tuning: .init(maxEntries: 1000, maxBytes: 4 << 20))
        let link = SimulatedLink(rate: 8000, roundTrip: 0.6)
        let result = Self.run(&planner, entries: 6000, link: link)
        let settled = result.sizes.dropFirst(3).dropLast()
        let seconds = settled.map { Double($0 * link.bytesPerEntry) / link.rate }
        #expect(seconds.allSatisfy { $0 >= 4.5 && $0 <= 7.5 }, "batches should take about 6 s on the wire: \(seconds)")
        let limit = Double(6000 * link.bytesPerEntry) / link.rate + 3 * link.roundTrip
        #expect(result.seconds / limit < 1.05, "took \(result.seconds) s against a limit of \(limit) s")
    }

    @Test("on a slow link a second push waits until the first should have left the node, so the two never share the link")
    func slowLinkSecondPushWaitsForTheUpload() {
        var planner = PushPlanner(acked: 0, tuning: .init(maxEntries: 1000, maxBytes: 4 << 20))
        guard case .send(let first) = planner.next(at: 0) else { Issue.record("no first batch"); return }
        #expect(first.maxEntries == 500)
        planner.sent(from: 1, through: 500, bytes: 30_000, at: 0)
        #expect(planner.next(at: 0.1) == .none, "the first push is not measured yet: one at a time")
        #expect(planner.answered(.acknowledged(through: 500), at: 4.35) == .proceed)
        guard let rate = planner.throughput else { Issue.record("the first answer measured nothing"); return }
        guard case .send(let second) = planner.next(at: 4.35) else { Issue.record("no second batch"); return }
        let bytes = second.maxEntries * 60
        planner.sent(from: 501, through: 500 + Int64(second.maxEntries), bytes: bytes, at: 4.35)
        let leaves = 4.35 + Double(bytes) / rate
        #expect(planner.next(at: 4.4) == .wait(until: leaves))
        guard case .send = planner.next(at: leaves) else { Issue.record("no third batch once the second has left"); return }
    }

    @Test("on a fast link batches grow to the configured maximum, at most doubling each time, and two travel at once")
    func fastLinkUsesFullBatchesAndPipelines() {
        var planner = PushPlanner(acked: 0, tuning: .init(maxEntries: 1000, maxBytes: 4 << 20))
        let result = Self.run(&planner, entries: 20_000, link: SimulatedLink(rate: 50_000_000, roundTrip: 0.002))
        #expect(result.sizes.first == 500)
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
        #expect(planner.next(at: 0) == .send(PushPlanner.Batch(after: 0, maxEntries: 500, maxBytes: 4 << 20)))
        planner.sent(from: 1, through: 500, bytes: 30_000, at: 0)
        #expect(planner.answered(.acknowledged(through: 500), at: 4) == .proceed)
        let size = planner.batchEntries
        planner.sent(from: 501, through: 500 + Int64(size), bytes: 30_000, at: 4)
        #expect(planner.linkFailed(at: 5) == .retryNow)
        #expect(planner.batchEntries == max(50, size / 2))
        planner.resumed(acked: 500)
        #expect(planner.next(at: 5) == .send(PushPlanner.Batch(after: 500, maxEntries: planner.batchEntries, maxBytes: 4 << 20)),
                "resumes from what the aggregator acknowledged")
        // The resumed push fails too, with nothing acknowledged in between: leave it to the backoff.
        planner.sent(from: 501, through: 550, bytes: 3_000, at: 5)
        #expect(planner.linkFailed(at: 6) == .giveUp)
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
        guard case .send(let batch) = planner.next(at: 1) else { Issue.record("nothing to send after a partial receipt"); return }
        #expect(batch.after == 60)
    }

    @Test("what a run learned of the link carries to the next: on a link that drops every few seconds, batches keep shrinking")
    func learnedEstimateCarriesOver() {
        let tuning = PushPlanner.Tuning(maxEntries: 1000, maxBytes: 4 << 20)
        var sizes = [Int]()
        var learned: PushPlanner.LinkEstimate?
        for _ in 0..<5 {
            var planner = PushPlanner(acked: 0, tuning: tuning, learned: learned)
            guard case .send(let batch) = planner.next(at: 0) else { Issue.record("nothing to send"); return }
            sizes.append(batch.maxEntries)
            planner.sent(from: 1, through: Int64(batch.maxEntries), bytes: batch.maxEntries * 60, at: 0)
            #expect(planner.linkFailed(at: 60) == .giveUp)
            learned = planner.learned
        }
        #expect(sizes == [500, 250, 125, 62, 50])
    }

    @Test("on a link that drops every ~15 s batches aim at a fifth of that, so a drop loses less; without drops, the full target")
    func dropsShortenTheTarget() {
        var planner = PushPlanner(acked: 0, tuning: .init(maxEntries: 5000, maxBytes: 16 << 20))
        #expect(planner.targetSeconds == 6)
        planner.sent(from: 1, through: 500, bytes: 30_000, at: 0)
        _ = planner.answered(.acknowledged(through: 500), at: 4)
        _ = planner.linkFailed(at: 15)
        _ = planner.linkFailed(at: 30)
        #expect(planner.targetSeconds == 3)
        _ = planner.linkFailed(at: 32)
        #expect(planner.targetSeconds >= 1.5 && planner.targetSeconds < 3)
        // Learned: the next run starts with the short target too, until the link stays up longer.
        var next = PushPlanner(acked: 500, tuning: planner.tuning, learned: planner.learned)
        #expect(next.targetSeconds == planner.targetSeconds)
        next.sent(from: 501, through: 600, bytes: 6_000, at: 40)
        _ = next.answered(.acknowledged(through: 600), at: 41)
        #expect(next.targetSeconds == 6, "a link up for 41 s is trusted with full batches again")
    }
}
