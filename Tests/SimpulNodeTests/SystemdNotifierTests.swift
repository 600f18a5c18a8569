import Foundation
import SimpulSystemd
import Testing

/// sd_notify never blocks the daemon: a manager that does not read (its queue full) costs a notify at most about
/// half a second, and the message is dropped; before, `sendto` blocked, and with it the daemon's threads.
@Suite struct SystemdNotifierTests {
    @Test func aFullNotifySocketDoesNotBlock() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd); unlink(path) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in for (i, b) in path.utf8.enumerated() { buf[i] = b } }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        // Nobody reads: the queue fills after a few datagrams; every later notify must give up, not wait.
        let started = ContinuousClock.now
        var delivered = 0
        for _ in 0..<15 where notifier.notify("WATCHDOG=1") { delivered += 1 }
        let elapsed = ContinuousClock.now - started
        #expect(delivered > 0 && delivered < 15, "\(delivered) of 15 delivered to a socket nobody reads")
        #expect(elapsed < .seconds(20), "15 notifies to a full socket took \(elapsed)")
    }
}
