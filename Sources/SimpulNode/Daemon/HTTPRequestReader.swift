import Foundation

/// Just enough HTTP/1.1 for the loopback recording API: one request per connection, `Content-Length`
/// bodies (no chunked encoding), bounded header and body sizes, then `Connection: close`.
enum HTTPRequestReader {
    struct Request: Sendable {
        var method: String
        var path: String
        /// What follows `?` in the target, undecoded ("" when none).
        var query = ""
        /// Header fields by lower-case name; a name sent twice is refused before this is built.
        var headers: [String: String] = [:]
        var body: Data
    }

    struct Failure: Error, Sendable {
        var status: Int
        var detail: String
    }

    static func read(_ fd: Int32, maxBody: Int) -> Result<Request, Failure> {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            guard buffer.count < 16 * 1024 else { return .failure(Failure(status: 431, detail: "request headers too large")) }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .failure(Failure(status: 400, detail: "incomplete request")) }
            buffer.append(contentsOf: chunk[0..<n])
            headerEnd = buffer.range(of: Data("\r\n\r\n".utf8))
        }
        let head = String(decoding: buffer[..<headerEnd!.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return .failure(Failure(status: 400, detail: "malformed request line")) }
        var length = 0
        var headers = [String: String]()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return .failure(Failure(status: 400, detail: "malformed header line")) }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard headers.updateValue(value, forKey: name) == nil else {
                return .failure(Failure(status: 400, detail: "header \(name.prefix(40)) is sent twice"))
            }
            if name == "content-length" {
                guard let parsed = Int(value), parsed >= 0 else { return .failure(Failure(status: 400, detail: "bad Content-Length")) }
                length = parsed
            } else if name == "transfer-encoding" {
                return .failure(Failure(status: 411, detail: "send a Content-Length body (chunked encoding is not supported)"))
            }
        }
        guard length <= maxBody else { return .failure(Failure(status: 413, detail: "the body exceeds \(maxBody) bytes")) }
        var body = Data(buffer[headerEnd!.upperBound...])
        while body.count < length {
            let n = recv(fd, &chunk, min(chunk.count, length - body.count), 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .failure(Failure(status: 400, detail: "the body is shorter than its Content-Length")) }
            body.append(contentsOf: chunk[0..<n])
        }
        let target = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(target.first ?? "")
        return .success(Request(method: String(parts[0]), path: path, query: target.count > 1 ? String(target[1]) : "", headers: headers,
                                body: body.prefix(length)))
    }

    static func response(status: Int, body: Data, headers: [(String, String)] = []) -> Data {
        let type = status >= 400 ? "application/problem+json" : "application/json"
        let extra = headers.map { "\($0.0): \($0.1)\r\n" }.joined()
        var out = Data("HTTP/1.1 \(status) \(reason(status))\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\n\(extra)Connection: close\r\n\r\n".utf8)
        out.append(body)
        return out
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 415: "Unsupported Media Type"
        case 421: "Misdirected Request"
        case 503: "Service Unavailable"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        default: "Internal Server Error"
        }
    }
}
