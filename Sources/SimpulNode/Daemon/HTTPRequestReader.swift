import Foundation

/// Just enough HTTP/1.1 for the loopback recording API: one request per connection, `Content-Length`
/// bodies (no chunked encoding), bounded header and body sizes, then `Connection: close`.
enum HTTPRequestReader {
    struct Request: Sendable {
        var method: String
        var path: String
        /// What follows `?` in the target, undecoded ("" when none).
        var query = ""
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
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
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
        return .success(Request(method: String(parts[0]), path: path, query: target.count > 1 ? String(target[1]) : "", body: body.prefix(length)))
    }

    static func response(status: Int, body: Data) -> Data {
        let type = status >= 400 ? "application/problem+json" : "application/json"
        var out = Data("HTTP/1.1 \(status) \(reason(status))\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
        out.append(body)
        return out
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        default: "Internal Server Error"
        }
    }
}
