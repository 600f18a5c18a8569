import Synchronization

/// A counting semaphore for async code: at most `count` holders at once; the others wait in arrival order.
/// The load harness bounds its HTTP requests in flight with one (`--concurrency`).
final class PermitPool: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Index of the longest-waiting entry of `waiters` (those before it were resumed).
        var head = 0
    }

    private let state: Mutex<State>

    init(count: Int) {
        precondition(count > 0, "a permit pool needs at least one permit")
        state = Mutex(State(available: count))
    }

    /// Waits for a permit. Every `acquire` is paired with one `release`.
    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    /// Hands the permit to the longest waiter, or back to the pool.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiters.count else {
                state.available += 1
                return nil
            }
            let waiter = state.waiters[state.head]
            state.head += 1
            // Drop the resumed entries now and then, so the array does not grow with every wait ever made.
            if state.head >= 1024 && state.head * 2 >= state.waiters.count {
                state.waiters.removeFirst(state.head)
                state.head = 0
            }
            return waiter
        }
        next?.resume()
    }
}
