import Testing
@testable import SimpulCore

/// A deterministic random source for the scheduler's jitter.
struct CountingGenerator: RandomNumberGenerator {
    var state: UInt64 = 1
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}

@Suite("Sync schedule (pure state machine, fake clock)")
struct SyncScheduleTests {
    let settings = SyncSchedule.Settings(
        interval: .seconds(300), jitter: 0.1, debounce: .seconds(5), backoffBase: .seconds(5), backoffCap: .seconds(60))

    @Test("first sync comes one debounce after start, not at once and not after a full interval")
    func firstSyncAfterDebounce() {
        let s = SyncSchedule(settings: settings, now: .zero)
        #expect(!s.shouldStart(now: .seconds(4)))
        #expect(s.shouldStart(now: .seconds(5)))
    }

    @Test("after a success the next sync is due after the interval plus at most 10% jitter")
    func intervalWithJitter() {
        var rng = CountingGenerator()
        var s = SyncSchedule(settings: settings, now: .zero)
        s.syncStarted()
        s.syncFinished(.success, now: .seconds(10), using: &rng)
        #expect(s.nextDue >= .seconds(310))
        #expect(s.nextDue <= .seconds(340))
        #expect(!s.shouldStart(now: .seconds(309)))
    }

    @Test("new events bring the next sync forward to one debounce, and repeated changes do not push it back")
    func localChangeDebounces() {
        var rng = CountingGenerator()
        var s = SyncSchedule(settings: settings, now: .zero)
        s.syncStarted()
        s.syncFinished(.success, now: .seconds(10), using: &rng)
        s.localChange(now: .seconds(20))
        #expect(s.nextDue == .seconds(25))
        s.localChange(now: .seconds(23))
        #expect(s.nextDue == .seconds(25))
    }

    @Test("backoff doubles on each transient failure, stays under the cap, and resets on success")
    func backoffDoublesCapsAndResets() {
        var rng = CountingGenerator()
        var s = SyncSchedule(settings: settings, now: .zero)
        var now = Duration.zero
        var waits = [Duration]()
        for _ in 0..<8 {
            s.syncStarted()
            s.syncFinished(.transientFailure, now: now, using: &rng)
            waits.append(s.nextDue - now)
            now = s.nextDue
        }
        // Each wait lies in [ceiling/2, ceiling] with ceiling = 5 s * 2^n, capped at 60 s.
        for (n, wait) in waits.enumerated() {
            let ceiling = min(Duration.seconds(5) * (1 << n), .seconds(60))
            #expect(wait <= ceiling)
            #expect(wait >= ceiling / 2)
        }
        #expect(waits.last! <= .seconds(60))
        #expect(s.consecutiveFailures == 8)
        s.syncStarted()
        s.syncFinished(.success, now: now, using: &rng)
        #expect(s.consecutiveFailures == 0)
        #expect(s.backoff.attempt == 0)
        s.syncStarted()
        s.syncFinished(.transientFailure, now: now, using: &rng)
        #expect(s.nextDue - now <= .seconds(5))
    }

    @Test("new events during a backoff wait do not cut the wait short (a dead link is not hammered)")
    func localChangeRespectsBackoff() {
        var rng = CountingGenerator()
        var s = SyncSchedule(settings: settings, now: .zero)
        s.syncStarted()
        s.syncFinished(.transientFailure, now: .seconds(100), using: &rng)
        s.syncStarted()
        s.syncFinished(.transientFailure, now: .seconds(110), using: &rng)
        let due = s.nextDue
        s.localChange(now: .seconds(111))
        #expect(s.nextDue == due)
    }

    @Test("a manual request skips the backoff wait and is served by the next sync")
    func manualSkipsBackoff() {
        var rng = CountingGenerator()
        var s = SyncSchedule(settings: settings, now: .zero)
        s.syncStarted()
        s.syncFinished(.transientFailure, now: .seconds(100), using: &rng)
        #expect(!s.shouldStart(now: .seconds(101)))
        s.manualRequest(now: .seconds(101))
        #expect(s.shouldStart(now: .seconds(101)))
        #expect(s.syncStarted() == true)
        #expect(s.manualPending == false)
    }

    @Test("triggers during a running sync coalesce into one follow-up right after it")
    func triggersCoalesce() {
        var rng = CountingGenerator()
        var s = SyncSchedule(settings: settings, now: .zero)
        #expect(s.syncStarted() == false)
        s.localChange(now: .seconds(6))
        s.localChange(now: .seconds(7))
        s.manualRequest(now: .seconds(8))
        #expect(!s.shouldStart(now: .seconds(8)))
        s.syncFinished(.success, now: .seconds(9), using: &rng)
        #expect(s.shouldStart(now: .seconds(9)))
        #expect(s.syncStarted() == true)
        s.syncFinished(.success, now: .seconds(10), using: &rng)
        #expect(!s.shouldStart(now: .seconds(11)))
        #expect(s.followUpRequested == false)
    }

    @Test("a refused sync (fork, revoked) is retried no sooner than the cap or the interval")
    func permanentFailureWaitsLong() {
        var rng = CountingGenerator()
        var s = SyncSchedule(settings: settings, now: .zero)
        s.syncStarted()
        s.syncFinished(.permanentFailure, now: .seconds(10), using: &rng)
        #expect(s.nextDue == .seconds(310))
    }

    @Test("repeated identical errors are logged once, summarised every 20, and recovery is logged once")
    func repeatedErrorsAreRateLimited() {
        var log = RepeatedErrorLog(summaryEvery: 20)
        var logged = [String]()
        for _ in 0..<45 {
            if case .log(let line) = log.failure("cannot reach the aggregator") { logged.append(line) }
        }
        #expect(logged.count == 3)
        #expect(logged[1].contains("repeated 20 times"))
        if case .log(let other) = log.failure("HTTP 500") { logged.append(other) }
        #expect(logged.count == 4)
        guard case .log(let recovered) = log.success() else {
            Issue.record("no recovered line")
            return
        }
        #expect(recovered.contains("recovered"))
        #expect(recovered.contains("HTTP 500"))
        #expect(log.success() == .suppress)
    }
}
