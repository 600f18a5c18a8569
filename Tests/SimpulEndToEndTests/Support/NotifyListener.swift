import Foundation
import Synchronization

/// Stands in for systemd's notification socket: a datagram socket the daemon sends READY=1, WATCHDOG=1,
/// STATUS= and STOPPING=1 to (`$NOTIFY_SOCKET`), collected for the test to read. Like systemd, it drains the socket
/// all the time (on a thread of its own): a datagram socket holds only a few messages, and a listener that read only
/// when asked let the daemon's queue fill while the test was busy.
final class NotifyListener: Sendable {
    let path: String
    private let fd: Int32
    private let state = State()

    /// The messages so far, and whether the listener is done (its thread then closes the socket).
    final class State: Sendable {
        let received = Mutex<[String]>([])
        let stopped = Mutex(false)
    }

    init(directory: String) throws {
        path = directory + "/notify.sock"
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw LiveError("notify socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in for (i, b) in bytes.enumerated() { buf[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw LiveError("cannot bind \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let socketFD = fd
        let state = state
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !state.stopped.withLock({ $0 }) {
                let n = recv(socketFD, &buffer, buffer.count, 0)
                guard n > 0 else { continue }
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                state.received.withLock { $0.append(contentsOf: text.split(separator: "\n").map(String.init)) }
            }
            close(socketFD)
        }
    }

    /// Every message received so far.
    func messages() -> [String] {
        state.received.withLock { $0 }
    }

    /// Waits until a message satisfying `match` has arrived.
    func wait(for match: (String) -> Bool, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if messages().contains(where: match) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    deinit {
        state.stopped.withLock { $0 = true }
        unlink(path)
    }
}
