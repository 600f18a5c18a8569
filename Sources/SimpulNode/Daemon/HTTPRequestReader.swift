import Foundation

/// Just enough HTTP/1.1 for the loopback recording API: one request per connection, `Content-Length`
/// bodies (no chunked encoding), bounded header and body sizes, then `Connection: close`. The head and the body are
/// read in two steps, so access control runs before any body byte is read.
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

    /// A request whose head is read: the body is read only once the caller has admitted it.
    struct Head: Sendable {
        /// The request with an empty body.
        var request: Request
        /// The declared `Content-Length` (0 when none).
        var contentLength: Int
        /// Body bytes that arrived with the head.
        var early: Data
    }

    /// Reads one request's head, before `deadline` (a client trickling a byte at a time gets no longer). The body
    /// stays unread, so a request that is refused costs no more than its head.
    static func readHead(_ fd: Int32, deadline: ContinuousClock.Instant) -> Result<Head, Failure> {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            guard buffer.count < 16 * 1024 else { return .failure(Failure(status: 431, detail: "request headers too large")) }
            switch receive(fd, into: &chunk, max: chunk.count, deadline: deadline) {
            case .failure(let failure): return .failure(failure)
            case .success(0): return .failure(Failure(status: 400, detail: "incomplete request"))
            case .success(let n): buffer.append(contentsOf: chunk[0..<n])
            }
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
        let target = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let request = Request(method: String(parts[0]), path: String(target.first ?? ""), query: target.count > 1 ? String(target[1]) : "",
                              headers: headers, body: Data())
        return .success(Head(request: request, contentLength: length, early: Data(buffer[headerEnd!.upperBound...])))
    }

    /// Reads the body of an admitted request, up to `maxBody` bytes, before `deadline`.
    static func readBody(_ fd: Int32, _ head: Head, maxBody: Int, deadline: ContinuousClock.Instant) -> Result<Request, Failure> {
        let length = head.contentLength
        guard length <= maxBody else { return .failure(Failure(status: 413, detail: "the body exceeds \(maxBody) bytes")) }
        var body = head.early.prefix(length)
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while body.count < length {
            switch receive(fd, into: &chunk, max: min(chunk.count, length - body.count), deadline: deadline) {
            case .failure(let failure): return .failure(failure)
            case .success(0): return .failure(Failure(status: 400, detail: "the body is shorter than its Content-Length"))
            case .success(let n): body.append(contentsOf: chunk[0..<n])
            }
        }
        var request = head.request
        request.body = Data(body)
        return .success(request)
    }

    /// One `recv` of at most `max` bytes, bounded by what is left until `deadline` (408 when nothing is).
    private static func receive(_ fd: Int32, into chunk: inout [UInt8], max: Int, deadline: ContinuousClock.Instant) -> Result<Int, Failure> {
        let late = Failure(status: 408, detail: "the request was not complete within \(SocketAcceptor.requestDeadline)")
        while true {
            guard SocketAcceptor.setReceiveTimeout(fd, until: deadline) else { return .failure(late) }
            let n = recv(fd, &chunk, max, 0)
            if n >= 0 { return .success(n) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .failure(late) }
            return .success(0)
        }
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
