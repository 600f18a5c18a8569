import CCurl
import Synchronization

/// Reusable libcurl easy handles. A handle keeps its live connections across `curl_easy_reset`, so the next push
/// to the aggregator reuses the open TCP (and TLS) connection instead of paying a new handshake: on a 600 ms VSAT
/// round trip that is a second or more per batch.
final class CurlHandlePool: Sendable {
    /// An easy handle passed between threads; only one transfer uses it at a time (the pool hands it out once).
    struct Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    private let idle = Mutex<[Handle]>([])
    private let capacity: Int

    init(capacity: Int = 4) {
        self.capacity = capacity
    }

    static let shared = CurlHandlePool()

    /// An idle handle (reset to default options when it was given back), or a new one; nil when libcurl cannot make one.
    func take() -> Handle? {
        if let reused = idle.withLock({ $0.popLast() }) { return reused }
        return curl_easy_init().map(Handle.init)
    }

    /// Returns a handle for reuse (its connection stays open), or cleans it up when enough are idle. Reset first,
    /// so no idle handle points at a transfer's buffers, which are freed once it returns.
    func give(back handle: Handle) {
        curl_easy_reset(handle.pointer)
        let kept = idle.withLock { handles -> Bool in
            guard handles.count < capacity else { return false }
            handles.append(handle)
            return true
        }
        if !kept { curl_easy_cleanup(handle.pointer) }
    }
}
