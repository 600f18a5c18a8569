import Foundation

/// Bounds the work requests can cause before their signature is checked: at most `capacity` pushes are inflated and
/// parsed at once; one more is refused at once (503, `Retry-After`) instead of queueing memory and CPU. A node
/// retries a 503 by itself.
final class PreAuthGate: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var inFlight = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// True when the caller may proceed; it must then call `leave()`.
    func tryEnter() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard inFlight < capacity else { return false }
        inFlight += 1
        return true
    }

    func leave() {
        lock.lock()
        inFlight -= 1
        lock.unlock()
    }
}
