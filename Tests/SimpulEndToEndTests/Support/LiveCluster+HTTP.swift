import Foundation

extension LiveCluster {
    /// A GET over loopback; the body of a 200 answer.
    static func httpGet(port: UInt16, path: String) throws -> String {
        let (status, body) = try exchange(port: port, request: Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        guard status == 200 else { throw LiveError("GET \(path): \(status) \(body.prefix(200))") }
        return body
    }

    /// One HTTP/1.1 exchange over loopback: status code and body.
    static func exchange(port: UInt16, request: [UInt8]) throws -> (Int, String) {
        let (status, _, body) = try exchangeWithHead(port: port, request: request)
        return (status, body)
    }

    /// One HTTP/1.1 exchange over loopback, read until the server closes: status code, the answer's head (status
    /// line and header fields) and body.
    static func exchangeWithHead(port: UInt16, request: [UInt8]) throws -> (Int, String, String) {
        let fd = socket(AF_INET, streamType, 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw LiveError("cannot connect to 127.0.0.1:\(port)") }
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let parts = text.components(separatedBy: "\r\n\r\n")
        return (status, parts.first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
