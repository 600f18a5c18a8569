import Foundation

extension ControlClient {
    /// The daemon's status answer, or nil when no daemon listens.
    public func requestStatus() async throws(NodeError) -> NodeStatusReport? {
        guard let answer = try await exchange(ControlRequest(command: "status"), timeoutSeconds: 15) else { return nil }
        return try ControlClient.decode(NodeStatusReport.self, from: answer)
    }

    /// Tells a running daemon that new events were recorded, so it syncs soon. Best effort: never fails.
    public func nudge() async {
        _ = try? await exchange(ControlRequest(command: "nudge"), timeoutSeconds: 2)
    }
}
