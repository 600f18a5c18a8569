import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Hears the heads every replica commits, on PostgreSQL's channel `simpul_head` (payload `NODE SEQ`): each push's
/// commit notifies it from inside its transaction, so PostgreSQL delivers it exactly when the head is visible and
/// never for a rolled-back push. One pool connection listens, reconnecting after a database outage.
final class PostgresHeadListener: HeadNotifications {
    static let channel = "simpul_head"

    private let client: PostgresClient
    private let logger: Logger
    private let listener = Mutex<Task<Void, Never>?>(nil)

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    deinit {
        listener.withLock { $0?.cancel() }
    }

    /// The payload of a head notification, or nil for anything else.
    static func parse(_ payload: String) -> (node: String, seq: Int64)? {
        let parts = payload.split(separator: " ")
        guard parts.count == 2, let seq = Int64(parts[1]) else { return nil }
        return (String(parts[0]), seq)
    }

    func listen(_ handler: @escaping @Sendable (String, Int64) -> Void) {
        let client = client, logger = logger
        let task = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            for try await notification in notifications {
                                if let head = Self.parse(notification.payload) { handler(head.node, head.seq) }
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.notice("listening for other replicas' heads failed; retrying in 1 s",
                                  metadata: ["error": "\(PostgresStorage.describe(error))"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        listener.withLock {
            $0?.cancel()
            $0 = task
        }
    }
}
