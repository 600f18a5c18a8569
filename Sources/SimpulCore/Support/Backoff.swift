/// Exponential backoff with full jitter, capped: the wait before retry n is random in
/// [base * 2^n / 2, base * 2^n], never above `cap`. `reset()` after a success.
public struct Backoff: Sendable {
    public let base: Duration
    public let cap: Duration
    public private(set) var attempt = 0

    public init(base: Duration, cap: Duration) {
        self.base = base
        self.cap = cap
    }

    /// The ceiling of the next wait, without jitter.
    public var nextCeiling: Duration {
        let factor = 1 << min(attempt, 30)
        return min(base * factor, cap)
    }

    public mutating func next<R: RandomNumberGenerator>(using generator: inout R) -> Duration {
        let ceiling = nextCeiling
        attempt += 1
        let fraction = Double.random(in: 0.5...1.0, using: &generator)
        return ceiling * fraction
    }

    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    public mutating func reset() { attempt = 0 }
}
