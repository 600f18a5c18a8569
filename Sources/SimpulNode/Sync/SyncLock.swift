import Foundation
import SimpulCore

/// One sync at a time per node, across processes: an `flock` on `<data_dir>/sync.lock`, held for one sync.
/// A second `sync now` (or the daemon) finds it held and says so, rather than pushing the same batch twice.
/// The kernel drops the lock when the holder dies, so a killed sync never leaves it stuck.
public final class SyncLock: Sendable {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    public static func acquire(path: String) throws(NodeError) -> SyncLock {
        let existed = FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw NodeError(.storage, Message(.syncLockOpenFailed, ["path": path, "error": String(cString: strerror(errno))]),
                            hint: Message(.syncLockOpenFailedHint))
        }
        if !existed { DataDirOwnership.adopt(path, dataDir: (path as NSString).deletingLastPathComponent) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(fd)
            throw NodeError(.busy, Message(.syncBusy, ["pid": holder]), hint: Message(.syncBusyHint))
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        return SyncLock(fd: fd)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
