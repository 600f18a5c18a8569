import Synchronization

/// Lets the sync engine abort a request whose answer it no longer wants (the pushes after one that failed would
/// only be answered `gap`, after minutes of upload on a slow link). The transport checks it while it transfers.
public final class TransportCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() {
        flag.store(true, ordering: .relaxed)
    }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
