import Foundation
import SimpulCore

/// A server at the aggregator's URL that answers every request with one canned JSON body: a forged head answer,
/// signed by a key of its own (a node that has never synced pins the first key it sees). Served from a thread in
/// the test process; closing the listening socket ends it.
final class ForgedAggregator: Sendable {
    let port: UInt16
    private let fd: Int32

    init(answer: Data) throws {
        let fd = socket(AF_INET, LiveCluster.streamType, 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = LiveCluster.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 8) == 0 else { throw LiveError("the forged aggregator cannot listen") }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
        let response = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(answer.count)\r\nConnection: close\r\n\r\n".utf8) + answer
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 65536)
                _ = recv(client, &buffer, buffer.count, 0)
                _ = response.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(client)
            }
        }
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// A head answer for `node` at seq 0, its receipt validly signed by `key`, with the given limits and head seq.
    static func headAnswer(node: String, key: SigningKey, seq: Int64 = 0, limits: [String: Int]) throws -> Data {
        var receipt = Receipt(node: node, seq: 0, hash: Hex.encode(ChainHash.genesis), issuedAt: RFC3339.format(Date()), stored: 0, duplicates: 0)
        receipt.sign(with: key)
        let encoded = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(receipt))
        let object: [String: Any] = ["node": node, "seq": seq, "hash": Hex.encode(ChainHash.genesis), "state": "active", "limits": limits, "receipt": encoded]
        return try JSONSerialization.data(withJSONObject: object)
    }
}
