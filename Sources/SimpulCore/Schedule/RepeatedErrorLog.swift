/// Keeps a daemon's log readable during a long outage: the first occurrence of an error is logged, identical
/// repeats are counted and summarised now and then, and one "recovered" line follows the first success.
public struct RepeatedErrorLog: Sendable {
    /// What to log for one failure or success.
    public enum Decision: Sendable, Equatable {
        case log(String)
        case suppress
    }

    public private(set) var currentError: String?
    public private(set) var repeats = 0
    /// A summary line is logged every `summaryEvery` identical repeats.
    public let summaryEvery: Int

    public init(summaryEvery: Int = 20) {
        self.summaryEvery = summaryEvery
    }

    public mutating func failure(_ message: String) -> Decision {
        if message == currentError {
            repeats += 1
            return repeats % summaryEvery == 0 ? .log("\(message) (repeated \(repeats) times)") : .suppress
        }
        currentError = message
        repeats = 0
        return .log(message)
    }

    public mutating func success() -> Decision {
        guard let error = currentError else { return .suppress }
        let count = repeats + 1
        currentError = nil
        repeats = 0
        return .log("recovered after \(count) failed attempt(s); last error was: \(error)")
    }
}
