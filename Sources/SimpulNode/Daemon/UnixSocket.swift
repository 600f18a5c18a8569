import Foundation

/// Minimal Unix-domain stream sockets for the control socket (no dependency needed for this much).
enum UnixSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { throw Failure(description: "socket path too long (\(bytes.count) bytes): \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in bytes.enumerated() { buf[i] = b }
            buf[bytes.count] = 0
        }
        return addr
    }

    static func connect(path: String) throws -> Int32 {
        var addr = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect(\(path)): \(message)")
        }
        return fd
    }
}

extension UnixSocket {
    static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
    }

    /// Reads up to the first newline (at most 1 MiB), all of it before `deadline` when one is given. Nil on error,
    /// timeout or EOF before a newline.
    static func readLine(_ fd: Int32, limit: Int = 1 << 20, deadline: ContinuousClock.Instant? = nil) -> Data? {
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            if let deadline, !SocketAcceptor.setReceiveTimeout(fd, until: deadline) { return nil }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            if let newline = buffer[0..<n].firstIndex(of: 0x0a) {
                out.append(contentsOf: buffer[0..<newline])
                return out
            }
            out.append(contentsOf: buffer[0..<n])
        }
        return nil
    }
}
