/// The database cannot be reached or refused to work (PostgreSQL down, restarting, or out of connections): nothing
/// was written by the operation that failed. HTTP answers it with 503 `database-unavailable` and `Retry-After`, so a
/// node simply retries; the storage reconnects by itself when the database returns.
public struct StorageUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "the database is unavailable: \(reason)" }
}
