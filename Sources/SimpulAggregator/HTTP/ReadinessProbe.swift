import Foundation
import Synchronization

/// Whether this replica can serve pushes: its database answers. A load balancer asks often and anyone may ask, so one
/// database check serves every caller for `maxAge`; a check takes at most `timeout`.
final class ReadinessProbe: Sendable {
    /// The outcome of one check: ready, or why not.
    struct Result: Sendable {
        var checkedAt: ContinuousClock.Instant
        var failure: String?
    }

    private let storage: any AggregatorStorage
    /// The last answer, and whether a check is running now.
    private struct State {
        var result: Result?
        var checking = false
    }

    private let last = Mutex(State())
    let maxAge: Duration
    let timeout: Duration

    init(storage: any AggregatorStorage, maxAge: Duration = .seconds(1), timeout: Duration = .seconds(3)) {
        self.storage = storage
        self.maxAge = maxAge
        self.timeout = timeout
    }

    /// nil when ready, else why not. While one check runs, other callers get the last answer instead of starting more.
    func check() async -> String? {
        let now = ContinuousClock.now
        let cached = last.withLock { state -> Result? in
            guard let result = state.result else { return nil }
            if result.checkedAt.duration(to: now) < maxAge || state.checking { return result }
            state.checking = true
            return nil
        }
        if let cached { return cached.failure }
        let failure = await ping()
        last.withLock {
            $0.result = Result(checkedAt: .now, failure: failure)
            $0.checking = false
        }
        return failure
    }

    private func ping() async -> String? {
        let storage = storage, timeout = timeout
        do {
            try await withDeadline(timeout, onTimeout: { StorageUnavailable("the database did not answer within \(timeout)") }) {
                try await storage.ping()
            }
            return nil
        } catch let unavailable as StorageUnavailable {
            return unavailable.reason
        } catch {
            return "\(error)"
        }
    }
}
