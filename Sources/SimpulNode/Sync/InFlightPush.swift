import SimpulCore
import Synchronization

/// A push on its way: its batch, its answer to come, a way to abort it, and whether the answer is in.
struct InFlightPush {
    var batch: SyncEngine.PreparedBatch
    var response: Task<Result<TransportResponse, NodeError>, Never>
    var cancellation: TransportCancellation
    var answered: AnsweredFlag
}

/// Set when a push's answer (or failure) is in, so the engine can stop waiting to send the next one.
final class AnsweredFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() {
        flag.store(true, ordering: .releasing)
    }

    var isSet: Bool { flag.load(ordering: .acquiring) }
}
