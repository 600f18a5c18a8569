import SimpulCore
import Synchronization

/// What the sync engine learned of the link in its last run (throughput, round trip, batch size), kept for the
/// next run of the same engine: a `sync now --wait` retry or the daemon's next sync starts from it.
final class LinkMemory: Sendable {
    private let estimate = Mutex<PushPlanner.LinkEstimate?>(nil)

    func remember(_ learned: PushPlanner.LinkEstimate) {
        estimate.withLock { $0 = learned }
    }

    func recalled() -> PushPlanner.LinkEstimate? {
        estimate.withLock { $0 }
    }
}
