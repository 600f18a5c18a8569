/// When the daemon syncs: on an interval with jitter, soon after new events (debounced), at once on a
/// manual request, and with exponential backoff while the aggregator is unreachable. One sync at a time;
/// triggers that arrive during a sync coalesce into one follow-up.
///
/// A pure state machine: time is a `Duration` since the daemon started, passed in by the caller, and the
/// random source is injected, so tests drive it with a fake clock.
public struct SyncSchedule: Sendable {
    /// The daemon's timing, from `[sync]` in node.toml.
    public struct Settings: Sendable {
        public var interval: Duration
        /// Fraction of `interval` added at random (0.1 = up to +10%), so 7,285 offices do not sync in step.
        public var jitter: Double
        public var debounce: Duration
        public var backoffBase: Duration
        public var backoffCap: Duration

        public init(interval: Duration, jitter: Double = 0.1, debounce: Duration, backoffBase: Duration = .seconds(5), backoffCap: Duration) {
            self.interval = interval
            self.jitter = jitter
            self.debounce = debounce
            self.backoffBase = backoffBase
            self.backoffCap = backoffCap
        }
    }

    /// How a sync ended, as far as scheduling cares.
    public enum Outcome: Sendable, Equatable {
        case success
        /// The link or the aggregator failed; it may clear by itself (backoff).
        case transientFailure
        /// Refused (fork, revoked, invalid): retrying soon cannot help; retry at the cap.
        case permanentFailure
    }

    public private(set) var settings: Settings
    public private(set) var nextDue: Duration
    public private(set) var isSyncing = false
    /// A trigger arrived during the current sync: run again right after it.
    public private(set) var followUpRequested = false
    /// A manual request is waiting: skip any backoff wait.
    public private(set) var manualPending = false
    public private(set) var backoff: Backoff
    public private(set) var consecutiveFailures = 0

    /// Starts with a first sync soon after start-up (`now + debounce`).
    public init(settings: Settings, now: Duration) {
        self.settings = settings
        self.nextDue = now + settings.debounce
        self.backoff = Backoff(base: settings.backoffBase, cap: settings.backoffCap)
    }

    public var isBackingOff: Bool { consecutiveFailures > 0 }

    /// A new sync interval (the province's feed sets one): the next periodic sync is due no later than one new
    /// interval from `now`.
    public mutating func setInterval(_ interval: Duration, now: Duration) {
        guard interval != settings.interval, interval > .zero else { return }
        settings.interval = interval
        if !isSyncing && !isBackingOff { nextDue = min(nextDue, now + interval) }
    }

    /// New local events: sync within the debounce window, unless a backoff wait is running.
    public mutating func localChange(now: Duration) {
        if isSyncing {
            followUpRequested = true
        } else if !isBackingOff {
            nextDue = min(nextDue, now + settings.debounce)
        }
    }

    /// `simpul sync now`: at once, skipping any backoff wait (after the running sync, if one is running).
    public mutating func manualRequest(now: Duration) {
        manualPending = true
        if isSyncing {
            followUpRequested = true
        } else {
            nextDue = now
        }
    }

    /// A waiting `sync now --wait` must get one more attempt by its deadline, whatever the backoff says.
    public mutating func due(by time: Duration) {
        nextDue = min(nextDue, time)
    }

    /// Whether to start a sync now.
    public func shouldStart(now: Duration) -> Bool {
        !isSyncing && now >= nextDue
    }

    /// The caller started a sync. Returns whether it serves a waiting manual request.
    @discardableResult
    public mutating func syncStarted() -> Bool {
        isSyncing = true
        followUpRequested = false
        let served = manualPending
        manualPending = false
        return served
    }

    public mutating func syncFinished(_ outcome: Outcome, now: Duration) {
        var generator = SystemRandomNumberGenerator()
        syncFinished(outcome, now: now, using: &generator)
    }

    public mutating func syncFinished<R: RandomNumberGenerator>(_ outcome: Outcome, now: Duration, using generator: inout R) {
        isSyncing = false
        switch outcome {
        case .success:
            consecutiveFailures = 0
            backoff.reset()
            let extra = settings.interval * Double.random(in: 0...max(0, settings.jitter), using: &generator)
            nextDue = now + settings.interval + extra
        case .transientFailure:
            consecutiveFailures += 1
            nextDue = now + backoff.next(using: &generator)
        case .permanentFailure:
            consecutiveFailures += 1
            nextDue = now + max(settings.backoffCap, settings.interval)
        }
        if manualPending || (followUpRequested && outcome == .success) {
            nextDue = now
        } else if followUpRequested {
            // New events during a failed sync wait for the backoff like everything else.
            followUpRequested = false
        }
    }
}
