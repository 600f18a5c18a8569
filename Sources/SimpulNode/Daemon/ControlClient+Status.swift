import Foundation

extension ControlClient {
    /// The daemon's status answer, or nil when no daemon listens.
    public func requestStatus() async throws(NodeError) -> NodeStatusReport? {
        guard let answer = try await exchange(ControlRequest(command: "status"), timeoutSeconds: 15) else { return nil }
        do { return try JSONDecoder().decode(NodeStatusReport.self, from: answer) } catch {
            throw NodeError(.serverError, "the daemon's status answer could not be read", hint: "check 'journalctl -u simpul'")
        }
    }

    /// Tells a running daemon that new events were recorded, so it syncs soon. Best effort: never fails.
    public func nudge() async {
        _ = try? await exchange(ControlRequest(command: "nudge"), timeoutSeconds: 2)
    }
}
