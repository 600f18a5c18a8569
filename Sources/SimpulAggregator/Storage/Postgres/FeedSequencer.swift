import Synchronization

/// Runs `PostgresStorage.sequenceFeed` for the pushes of this replica, one run at a time: a push that commits feed
/// rows asks for a run and does not wait for it; asks arriving while a run is under way are served together by one
/// more run. A feed read never depends on it (it sequences waiting rows itself before reading).
final class FeedSequencer: Sendable {
    private struct State {
        var running = false
        var again = false
    }

    private let state = Mutex(State())
    private let work = Mutex<(@Sendable () async -> Void)?>(nil)

    /// Sets what a run does (the storage, which owns this sequencer, attaches itself once it exists).
    func attach(_ run: @escaping @Sendable () async -> Void) {
        work.withLock { $0 = run }
    }

    /// Asks for a run that starts after this call.
    func poke() {
        let start = state.withLock { s -> Bool in
            if s.running {
                s.again = true
                return false
            }
            s.running = true
            return true
        }
        guard start else { return }
        Task {
            while true {
                self.state.withLock { $0.again = false }
                if let run = self.work.withLock({ $0 }) { await run() }
                let more = self.state.withLock { s -> Bool in
                    if s.again { return true }
                    s.running = false
                    return false
                }
                if !more { return }
            }
        }
    }
}
