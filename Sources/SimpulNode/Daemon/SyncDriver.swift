import Foundation
import Logging
import ServiceLifecycle
import SimpulCore
import SimpulSystemd

/// The daemon's one owner of sync state: runs the schedule, one sync at a time, answers `sync now`
/// requests with the report of a sync that started after they arrived, and reports to systemd.
public actor SyncDriver {
    let engine: SyncEngine
    let finalPushEngine: SyncEngine
    let notifier: SystemdNotifier
    let logger: Logger
    let started = ContinuousClock.now
    var schedule: SyncSchedule
    /// The node's own `sync.interval_seconds`, used unless the province's rules set another.
    let configuredInterval: Duration
    var errorLog = RepeatedErrorLog()
    var lastKnownHead: Int64 = 0
    var lastHeadCheck: Duration = .zero

    /// A `sync now` waiting for its report; with a deadline it waits through transient failures.
    struct Waiter {
        var continuation: CheckedContinuation<SyncReport, Never>
        var deadline: ContinuousClock.Instant?
    }

    var pendingWaiters: [Waiter] = []
    var activeWaiters: [Waiter] = []

    init(engine: SyncEngine, finalPushEngine: SyncEngine, settings: SyncSchedule.Settings, notifier: SystemdNotifier, logger: Logger) {
        self.engine = engine
        self.finalPushEngine = finalPushEngine
        self.notifier = notifier
        self.logger = logger
        self.schedule = SyncSchedule(settings: settings, now: .zero)
        self.configuredInterval = settings.interval
    }

    var now: Duration { ContinuousClock.now - started }

    /// Answers while the actor is responsive (the watchdog asks).
    func ping() -> Bool { true }

    /// New local events (a `record` nudged the daemon, or the periodic head check saw them).
    func localChange() {
        schedule.localChange(now: now)
    }

    /// `sync now` from the control socket.
    func requestSync(waitSeconds: Int?) async -> SyncReport {
        schedule.manualRequest(now: now)
        return await withCheckedContinuation { continuation in
            pendingWaiters.append(Waiter(continuation: continuation, deadline: waitSeconds.map { .now + .seconds($0) }))
        }
    }

    /// The main loop, until graceful shutdown; then one bounded final push.
    func run() async {
        lastKnownHead = (try? engine.store.head().seq) ?? 0
        publishStatus()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            checkHeadPeriodically()
            if schedule.shouldStart(now: now) {
                await syncOnce(engine: engine)
            } else {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
            }
        }
        await finalPush()
    }

    /// A cheap fallback to nudges: every 15 s, compare the log head with the last one seen.
    func checkHeadPeriodically() {
        guard now - lastHeadCheck >= .seconds(15) else { return }
        lastHeadCheck = now
        if let head = try? engine.store.head().seq, head > lastKnownHead {
            lastKnownHead = head
            schedule.localChange(now: now)
        }
    }

    func syncOnce(engine: SyncEngine) async {
        schedule.syncStarted()
        activeWaiters = pendingWaiters
        pendingWaiters = []
        let report: SyncReport
        let outcome: SyncSchedule.Outcome
        do {
            report = try await engine.syncOnce()
            outcome = .success
            lastKnownHead = report.headSeq
            if case .log(let line) = errorLog.success() { logger.notice("sync \(line)") }
        } catch {
            report = .failed(error, store: engine.store)
            outcome = error.isRetryable ? .transientFailure : .permanentFailure
            if case .log(let line) = errorLog.failure(error.message) {
                logger.warning("sync failed", metadata: ["sync.error": "\(line)", "sync.retryable": "\(error.isRetryable)"])
            }
        }
        var retrying = [Waiter]()
        for waiter in activeWaiters {
            if outcome == .transientFailure, let deadline = waiter.deadline, deadline > .now {
                retrying.append(waiter)
            } else {
                waiter.continuation.resume(returning: report)
            }
        }
        activeWaiters = []
        pendingWaiters.append(contentsOf: retrying)
        schedule.syncFinished(outcome, now: now)
        // The province may set every node's sync interval through its feed (within the range a node's own config
        // accepts); without one, the node's own setting applies again.
        if outcome == .success, let state = try? engine.store.feedState() {
            let wanted = state.rules?.syncIntervalSeconds.map { Duration.seconds(min(max($0, 5), 86_400)) } ?? configuredInterval
            if schedule.settings.interval != wanted {
                logger.notice("sync interval set by the province's rules", metadata: ["sync.interval": "\(wanted)"])
                schedule.setInterval(wanted, now: now)
            }
        }
        if let earliest = retrying.compactMap(\.deadline).min() {
            schedule.due(by: earliest - started)
        }
        publishStatus(report)
    }

    func publishStatus(_ report: SyncReport? = nil) {
        let head = (try? engine.store.head().seq) ?? 0
        let state = try? engine.store.syncState()
        let backlog = max(0, head - (state?.ackedSeq ?? 0))
        var text = "backlog \(backlog); last sync \(state?.lastSyncAt ?? "never")"
        if let error = state?.lastError, report?.status == "failed" || report == nil { text += "; last error: \(error)" }
        notifier.notify("STATUS=\(text)")
    }

    /// Graceful stop: no new triggers; one push with short timeouts if anything is queued and the link was up.
    func finalPush() async {
        notifier.notify("STOPPING=1")
        let stopping = SyncReport.failed(
            NodeError(.unreachable, Message(.daemonStopping), hint: Message(.daemonStoppingHint)), store: engine.store)
        for waiter in pendingWaiters + activeWaiters { waiter.continuation.resume(returning: stopping) }
        pendingWaiters = []
        activeWaiters = []
        let head = (try? engine.store.head().seq) ?? 0
        let acked = (try? engine.store.syncState().ackedSeq) ?? 0
        guard head > acked, !schedule.isBackingOff else { return }
        logger.info("final push before stopping", metadata: ["sync.backlog": "\(head - acked)"])
        do { _ = try await finalPushEngine.syncOnce() } catch {
            logger.warning("final push failed; events stay queued", metadata: ["sync.error": "\(error.message)"])
        }
    }
}

/// Runs the driver's loop as a service of the daemon's ServiceGroup.
struct SyncDriverService: Service {
    let driver: SyncDriver

    func run() async throws {
        await driver.run()
    }
}
