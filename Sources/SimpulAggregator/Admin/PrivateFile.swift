import Foundation
import SimpulCore

/// Files only the aggregator's user may read (the receipt-signing key, the database): created with mode 0600 from
/// the first byte, never written world-readable and narrowed afterwards.
enum PrivateFile {
    /// Creates `path` (it must not exist) with `contents`, mode 0600, synced to disk.
    static func create(_ path: String, contents: Data = Data()) throws(AggregatorError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AggregatorError(Message(.cannotCreate, ["path": path, "error": String(cString: strerror(errno))]), hint: Message(.aggRunAsWriter))
        }
        defer { close(fd) }
        // The umask can only narrow the mode; set it exactly anyway.
        _ = fchmod(fd, 0o600)
        let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(fd) == 0 else {
            unlink(path)
            throw AggregatorError(Message(.cannotWrite, ["path": path, "error": String(cString: strerror(errno))]), hint: Message(.aggCheckDiskSpace))
        }
    }
}
