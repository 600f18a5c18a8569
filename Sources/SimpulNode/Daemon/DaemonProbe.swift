import Foundation

/// Tells whether a daemon is listening on the node's control socket.
public enum DaemonProbe {
    public static func isRunning(config: NodeConfig) -> Bool {
        guard let fd = try? UnixSocket.connect(path: config.controlSocketPath()) else { return false }
        close(fd)
        return true
    }
}
