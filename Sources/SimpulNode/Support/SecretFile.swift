import Foundation
import SimpulCore

/// Reads and writes small secret files (keys) with mode 0600, created atomically.
enum SecretFile {
    static func write(_ text: String, to path: String) throws(NodeError) {
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw NodeError(.keys, Message(.cannotCreate, ["path": temp, "error": String(cString: strerror(errno))]), hint: Message(.checkDirWritable))
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temp, path) == 0 else {
            unlink(temp)
            throw NodeError(.keys, Message(.cannotWrite, ["path": path, "error": String(cString: strerror(errno))]))
        }
        DataDirOwnership.adopt(path, dataDir: (path as NSString).deletingLastPathComponent)
    }

    /// Creates `path`, which must not exist, with mode 0600 from the first byte (FileManager's `createFile` writes a
    /// temporary file with the umask's mode, renames it, and narrows it only afterwards). False when it cannot.
    static func createPrivate(_ path: String, contents: Data = Data()) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let written = contents.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(fd) == 0 else {
            unlink(path)
            return false
        }
        return true
    }

    static func read(_ path: String, what: Message) throws(NodeError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NodeError(.keys, Message(.secretUnreadable, ["path": path], parts: ["what": what]),
                            hint: Message(FileManager.default.fileExists(atPath: path) ? .secretUnreadableOwnerHint : .secretUnreadableMissingHint))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
