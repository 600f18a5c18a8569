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

/// Bounds the bytes of push bodies held in memory at once before their signature is checked: each push reserves
/// its declared length (or the body limit) before its body is read, and one that does not fit is refused at once
/// (503, `Retry-After`). A crowd of large unauthenticated bodies then costs a bounded amount of memory.
final class BodyBudget: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var reserved = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    func tryReserve(_ bytes: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard reserved + bytes <= capacity else { return false }
        reserved += bytes
        return true
    }

    func release(_ bytes: Int) {
        lock.lock()
        reserved -= bytes
        lock.unlock()
    }
}
