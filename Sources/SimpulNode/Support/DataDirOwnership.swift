import Foundation

/// Files the CLI creates in the data directory while running as root (an operator's `sudo simpul ...`)
/// are handed to the directory's owner, the service user, so the daemon can still open them. systemd
/// re-owns the state directory only at the first start; after that, a root-owned `sync.lock` would
/// lock the daemon out.
enum DataDirOwnership {
    static func adopt(_ path: String, dataDir: String) {
        guard geteuid() == 0 else { return }
        var info = stat()
        guard stat(dataDir, &info) == 0, info.st_uid != 0 || info.st_gid != 0 else { return }
        _ = chown(path, info.st_uid, info.st_gid)
    }
}
