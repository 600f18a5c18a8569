import Synchronization

/// A fixed amount of something (connections, pushes being parsed, bytes of bodies held) that callers take from and
/// give back, refusing at once when it is used up instead of queueing. Shared by the aggregator's pre-authentication
/// bounds and the node's socket servers.
public final class Allowance: Sendable {
    public let capacity: Int
    private let used = Mutex(0)

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Takes `amount` if that much is left; the caller must then `giveBack` the same amount.
    public func tryTake(_ amount: Int = 1) -> Bool {
        used.withLock { used in
            guard used + amount <= capacity else { return false }
            used += amount
            return true
        }
    }

    public func giveBack(_ amount: Int = 1) {
        used.withLock { $0 -= amount }
    }
}

/// One unit of an `Allowance`, given back when the permit goes away: for work whose end is not one place in the code
/// (a streamed answer ends when its body is written, or when it is dropped unwritten).
public final class AllowancePermit: Sendable {
    private let allowance: Allowance

    /// Takes one unit, or nil when none is left.
    public init?(_ allowance: Allowance) {
        guard allowance.tryTake() else { return nil }
        self.allowance = allowance
    }

    deinit { allowance.giveBack() }
}
