import Synchronization

/// Runs `body` and answers within `timeout` whatever it does: on time-out the body's task is cancelled but not waited
/// for (a task group would wait for it, and a database call stuck on a dead connection may not end soon).
func withDeadline<T: Sendable>(_ timeout: Duration, onTimeout: @escaping @Sendable () -> any Error,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation: continuation, timeout: timeout, onTimeout: onTimeout, body: body)
        }
    } onCancel: {
        race.cancel()
    }
}

/// The two runners of `withDeadline`: whichever of the body and the timer ends first resumes the caller and cancels
/// the other.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var cancelled = false
    }

    private let state = Mutex(State())

    func start(continuation: CheckedContinuation<T, any Error>, timeout: Duration, onTimeout: @escaping @Sendable () -> any Error,
               body: @escaping @Sendable () async throws -> T) {
        let cancelledFirst = state.withLock { s -> Bool in
            if !s.cancelled { s.continuation = continuation }
            return s.cancelled
        }
        if cancelledFirst { return continuation.resume(throwing: CancellationError()) }
        let work = Task {
            do { self.finish(.success(try await body())) } catch { self.finish(.failure(error)) }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.finish(.failure(onTimeout()))
        }
        let over = state.withLock { s -> Bool in
            s.work = work
            s.timer = timer
            return s.continuation == nil
        }
        // Finished (or cancelled) before the tasks were stored: nothing else will stop them.
        if over {
            work.cancel()
            timer.cancel()
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, work, timer) = state.withLock { s in
            defer { s.continuation = nil }
            return (s.continuation, s.work, s.timer)
        }
        guard let continuation else { return }
        work?.cancel()
        timer?.cancel()
        continuation.resume(with: result)
    }

    /// The caller was cancelled: it is answered at once (a body that ignores cancellation is not waited for).
    func cancel() {
        state.withLock { $0.cancelled = true }
        finish(.failure(CancellationError()))
    }
}
