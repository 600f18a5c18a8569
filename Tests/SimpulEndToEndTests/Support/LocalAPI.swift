import Foundation

/// Requests to a node daemon's local API as a front-desk application makes them: `Host` naming the loopback
/// address, the installation's token, JSON bodies. Each part can be left out or replaced to play an attacker.
enum LocalAPI {
    static func token(_ node: LiveNode) throws -> String {
        try String(contentsOfFile: node.dir + "/api.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Status and body.
    static func request(_ node: LiveNode, port: UInt16, method: String, path: String, body: [UInt8] = [],
                        host: String? = nil, token: String?? = .none, contentType: String? = "application/json",
                        extra: [(String, String)] = []) throws -> (Int, String) {
        let (status, _, answer) = try requestWithHead(node, port: port, method: method, path: path, body: body, host: host, token: token,
                                                      contentType: contentType, extra: extra)
        return (status, answer)
    }

    /// Status, the answer's head (status line and header fields, for CORS and authentication headers) and body.
    /// `token`: absent sends the node's token, `.some(nil)` none, `.some(text)` that text.
    static func requestWithHead(_ node: LiveNode, port: UInt16, method: String, path: String, body: [UInt8] = [],
                                host: String? = nil, token: String?? = .none, contentType: String? = "application/json",
                                extra: [(String, String)] = []) throws -> (Int, String, String) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\n"
        let bearer: String? = switch token {
        case .none: try Self.token(node)
        case .some(let given): given
        }
        if let bearer { head += "Authorization: Bearer \(bearer)\r\n" }
        if let contentType, method == "POST" { head += "Content-Type: \(contentType)\r\n" }
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return try LiveCluster.exchangeWithHead(port: port, request: Array(head.utf8) + body)
    }
}
