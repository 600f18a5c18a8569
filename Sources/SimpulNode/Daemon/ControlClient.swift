import Foundation
import SimpulCore

/// The CLI's side of the control socket: asks a running daemon to sync, and reads its answer.
public struct ControlClient: Sendable {
    public let config: NodeConfig

    public init(config: NodeConfig) {
        self.config = config
    }

    /// The daemon's sync report, or nil when no daemon listens (the caller then syncs in-process).
    public func requestSync(deadline: ContinuousClock.Instant?) async throws(NodeError) -> SyncReport? {
        let wait = deadline.map { max(0, Int(($0 - .now).components.seconds)) }
        guard let answer = try await exchange(ControlRequest(command: "sync_now", waitSeconds: wait), timeoutSeconds: (wait ?? 0) + 600) else {
            return nil
        }
        return try Self.decode(SyncReport.self, from: answer)
    }

    /// Decodes the daemon's answer, or turns its refusal into the same error the CLI would raise itself.
    static func decode<T: Decodable>(_ type: T.Type, from answer: Data) throws(NodeError) -> T {
        if let value = try? JSONDecoder().decode(T.self, from: answer) { return value }
        if let refusal = try? JSONDecoder().decode(ControlRefusal.self, from: answer) { throw refusal.nodeError }
        throw NodeError(.serverError, Message(.daemonAnswerUnreadable), hint: Message(.checkJournal))
    }

    /// Sends one request line and reads one answer line. Nil when nothing listens on the socket.
    func exchange(_ request: ControlRequest, timeoutSeconds: Int) async throws(NodeError) -> Data? {
        var request = request
        request.node = config.nodeID
        let path = config.controlSocketPath()
        guard let fd = try? UnixSocket.connect(path: path) else { return nil }
        let line: Data
        do { line = try JSONEncoder().encode(request) + Data("\n".utf8) } catch { return nil }
        let result: Data? = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                defer { close(fd) }
                var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                guard UnixSocket.writeAll(fd, line) else { return continuation.resume(returning: nil) }
                continuation.resume(returning: UnixSocket.readLine(fd))
            }
        }
        guard let result else {
            throw NodeError(.unreachable, Message(.daemonNoAnswer, ["path": path]), hint: Message(.daemonNoAnswerHint))
        }
        return result
    }
}
