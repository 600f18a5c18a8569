import Foundation

/// `sd_notify` without libsystemd: a datagram to `$NOTIFY_SOCKET` (READY=1, WATCHDOG=1, STATUS=..., STOPPING=1).
///
/// Does nothing when the process was not started by systemd with `Type=notify`.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// Half of `$WATCHDOG_USEC` (the interval systemd asks for), when the watchdog is on for this process.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        if let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath else { return false }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(socketPath.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in bytes.enumerated() { buf[i] = b }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let message = Array(state.utf8)
        // Never block: when the receiver's queue is full (a busy or stuck manager), a blocking send would stall the
        // thread that notifies, and with it the daemon (its cooperative threads send WATCHDOG=1 and STATUS). A full
        // queue is retried for at most about half a second (READY=1 and STOPPING=1 matter), then the message dropped.
        for attempt in 0..<Self.fullQueueRetries {
            let sent = withUnsafePointer(to: &addr) { ptr in
                ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), sa, length) }
                }
            }
            if sent == message.count { return true }
            guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK, attempt + 1 < Self.fullQueueRetries else { return false }
            usleep(10_000)
        }
        return false
    }

    /// Tries of a send that found the receiver's queue full, 10 ms apart.
    static let fullQueueRetries = 50
}
