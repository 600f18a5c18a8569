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
    private let last = Mutex<Result?>(nil)
    let maxAge: Duration
    let timeout: Duration

    init(storage: any AggregatorStorage, maxAge: Duration = .seconds(1), timeout: Duration = .seconds(3)) {
        self.storage = storage
        self.maxAge = maxAge
        self.timeout = timeout
    }

    /// nil when ready, else why not.
    func check() async -> String? {
        let now = ContinuousClock.now
        if let cached = last.withLock({ $0 }), cached.checkedAt.duration(to: now) < maxAge { return cached.failure }
        let failure = await ping()
        last.withLock { $0 = Result(checkedAt: .now, failure: failure) }
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
