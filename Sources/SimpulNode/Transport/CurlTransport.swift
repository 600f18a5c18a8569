import CCurl
import Foundation
import SimpulCore

/// The transport over libcurl: connect and overall timeouts, a low-speed abort for stalled links, TLS
/// verification always on (with an optional extra CA file), proxy from the environment (libcurl reads
/// `https_proxy`/`no_proxy` itself).
///
/// `curl_easy_perform` blocks, so each transfer runs on a dispatch queue thread, never on Swift's
/// cooperative pool; each transfer takes an easy handle from a pool, so connections to the aggregator are reused.
public struct CurlTransport: SyncTransport {
    public var connectTimeoutSeconds: Int
    public var requestTimeoutSeconds: Int
    public var lowSpeedLimitBytes: Int
    public var lowSpeedTimeSeconds: Int
    public var caFile: String?

    public init(connectTimeoutSeconds: Int = 10, requestTimeoutSeconds: Int = 120, lowSpeedLimitBytes: Int = 100,
                lowSpeedTimeSeconds: Int = 20, caFile: String? = nil) {
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.lowSpeedLimitBytes = lowSpeedLimitBytes
        self.lowSpeedTimeSeconds = lowSpeedTimeSeconds
        self.caFile = caFile
    }

    public init(config: NodeConfig.Sync) {
        self.init(connectTimeoutSeconds: config.connectTimeoutSeconds, requestTimeoutSeconds: config.requestTimeoutSeconds,
                  lowSpeedLimitBytes: config.lowSpeedLimitBytes, lowSpeedTimeSeconds: config.lowSpeedTimeSeconds,
                  caFile: config.caFile.isEmpty ? nil : config.caFile)
    }

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    private static let queue = DispatchQueue(label: "simpul.curl", attributes: .concurrent)

    public func send(_ request: TransportRequest) async throws(NodeError) -> TransportResponse {
        let result: Result<TransportResponse, NodeError> = await withCheckedContinuation { continuation in
            Self.queue.async {
                continuation.resume(returning: perform(request))
            }
        }
        return try result.get()
    }

    /// Collects the response body; handed to libcurl's write callback through an opaque pointer. An answer longer
    /// than `maxResponseBytes` aborts the transfer: no aggregator answer (a receipt, a head, a problem) comes near it,
    /// so a hostile or broken server cannot make the node hold an unbounded body.
    private final class Sink {
        var data = Data()
        var overflowed = false
    }

    static let maxResponseBytes = 1 << 20

    /// Feeds the request body to libcurl's read callback. There is no seek callback on purpose: when a reused
    /// connection dies under a push, libcurl would silently send the whole body again on a new connection (after a
    /// link drop, a batch the aggregator may already hold, sharing the link with the one after it). Unable to
    /// rewind, it fails instead, and the sync engine reads the head and resends only what is missing.
    private final class Source {
        let data: Data
        var offset = 0
        init(_ data: Data) { self.data = data }
    }

    private func perform(_ request: TransportRequest) -> Result<TransportResponse, NodeError> {
        guard Self.globalInit, let pooled = CurlHandlePool.shared.take() else {
            return .failure(NodeError(.unreachable, Message(.curlStartFailed)))
        }
        let handle = pooled.pointer
        defer { CurlHandlePool.shared.give(back: pooled) }
        let sink = Sink()
        let sinkPointer = Unmanaged.passRetained(sink)
        defer { sinkPointer.release() }
        var headers: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers { headers = curl_slist_append(headers, "\(name): \(value)") }
        headers = curl_slist_append(headers, "Expect:")
        defer { curl_slist_free_all(headers) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        _ = simpul_curl_setopt_string(handle, CURLOPT_URL, request.url)
        _ = simpul_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = simpul_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeoutSeconds)
        _ = simpul_curl_setopt_long(handle, CURLOPT_TIMEOUT, requestTimeoutSeconds)
        _ = simpul_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, lowSpeedLimitBytes)
        _ = simpul_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, lowSpeedTimeSeconds)
        _ = simpul_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = simpul_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile { _ = simpul_curl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        _ = simpul_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        _ = simpul_curl_setopt_string(handle, CURLOPT_USERAGENT, "simpul-node")
        _ = simpul_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        _ = simpul_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer.toOpaque())
        _ = simpul_curl_setopt_write_function(handle) { pointer, size, count, userdata in
            guard let pointer, let userdata else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(userdata).takeUnretainedValue()
            guard sink.data.count + size * count <= CurlTransport.maxResponseBytes else {
                sink.overflowed = true
                return 0
            }
            sink.data.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: size * count)
            return size * count
        }
        let body = request.body ?? Data()
        let source = Unmanaged.passRetained(Source(body))
        defer { source.release() }
        if request.method == "POST" {
            _ = simpul_curl_setopt_long(handle, CURLOPT_POST, 1)
            _ = simpul_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            _ = simpul_curl_setopt_pointer(handle, CURLOPT_READDATA, source.toOpaque())
            _ = simpul_curl_setopt_read_function(handle) { buffer, size, count, userdata in
                guard let buffer, let userdata else { return 0 }
                let source = Unmanaged<Source>.fromOpaque(userdata).takeUnretainedValue()
                let n = min(size * count, source.data.count - source.offset)
                guard n > 0 else { return 0 }
                source.data.withUnsafeBytes { raw in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + source.offset, byteCount: n)
                }
                source.offset += n
                return n
            }
        }
        // Closing a connection resets it (SO_LINGER 0): a push cancelled after a drop must not go on draining the
        // kernel's send buffer onto a slow link for seconds. Nothing of ours is lost by it: a connection is closed
        // only once its answer is read, or when the request is abandoned.
        _ = simpul_curl_setopt_sockopt_function(handle) { _, fd, _ in
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            return 0
        }
        if let cancellation = request.cancellation {
            // libcurl calls this at least once a second during the transfer; non-zero aborts it. The request holds
            // the cancellation for the whole transfer, so the unretained pointer stays valid.
            _ = simpul_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
            _ = simpul_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(cancellation).toOpaque())
            _ = simpul_curl_setopt_xferinfo_function(handle) { userdata, _, _, _, _ in
                guard let userdata else { return 0 }
                return Unmanaged<TransportCancellation>.fromOpaque(userdata).takeUnretainedValue().isCancelled ? 1 : 0
            }
        }
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buf in
            _ = simpul_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buf.baseAddress)
            return curl_easy_perform(handle)
        }
        if sink.overflowed {
            return .failure(NodeError(.serverError, Message(.answerTooLong, ["url": request.url, "limit": Self.maxResponseBytes]),
                                      hint: Message(.answerTooLongHint)))
        }
        if code == CURLE_ABORTED_BY_CALLBACK {
            return .failure(NodeError(.unreachable, Message(.requestCancelled, ["url": request.url])))
        }
        guard code == CURLE_OK else {
            let buffered = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let detail = buffered.isEmpty ? String(validatingCString: curl_easy_strerror(code)) ?? "" : buffered
            return .failure(NodeError(
                .unreachable, Message(.unreachable, ["url": request.url, "code": code.rawValue, "detail": detail]),
                hint: Self.hint(for: code)))
        }
        var status = 0
        _ = simpul_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var pretransfer: curl_off_t = 0
        var firstByte: curl_off_t = 0
        _ = simpul_curl_getinfo_offset(handle, CURLINFO_PRETRANSFER_TIME_T, &pretransfer)
        _ = simpul_curl_getinfo_offset(handle, CURLINFO_STARTTRANSFER_TIME_T, &firstByte)
        let wait = firstByte > pretransfer ? Double(firstByte - pretransfer) / 1e6 : nil
        var received: curl_off_t = 0
        _ = simpul_curl_getinfo_offset(handle, CURLINFO_SIZE_DOWNLOAD_T, &received)
        var header: UnsafeMutablePointer<curl_header>?
        let signature = curl_easy_header(handle, "Simpul-Signature", 0, UInt32(CURLH_HEADER), -1, &header) == CURLHE_OK
            ? header.flatMap { $0.pointee.value.map { String(cString: $0) } } : nil
        var response = TransportResponse(status: status, body: sink.data, bytesSent: body.count, secondsToFirstByte: wait, signature: signature)
        response.bytesReceived = Int(received)
        return .success(response)
    }

    static func hint(for code: CURLcode) -> Message {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST: Message(.linkHintDNS)
        case CURLE_COULDNT_CONNECT: Message(.linkHintDown)
        case CURLE_OPERATION_TIMEDOUT: Message(.linkHintSlow)
        case CURLE_SEND_FAIL_REWIND, CURLE_SEND_ERROR, CURLE_RECV_ERROR: Message(.linkHintDropped)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE: Message(.linkHintTLS)
        default: Message(.linkHintDefault)
        }
    }
}
