import Foundation
import ServiceLifecycle

/// Accepts connections on a listening socket until graceful shutdown, handling each in a child task.
///
/// `accept` blocks, so it runs on a thread of its own and hands client sockets over through a stream; the
/// handlers stay in structured concurrency. Shutdown wakes the blocked `accept` with `shutdown(2)`.
enum SocketAcceptor {
    static func serve(listenFD: Int32, handle: @escaping @Sendable (Int32) async -> Void) async {
        let (connections, continuation) = AsyncStream.makeStream(of: Int32.self)
        let acceptor = Thread {
            while true {
                let client = accept(listenFD, nil, nil)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    break
                }
                continuation.yield(client)
            }
            continuation.finish()
        }
        acceptor.start()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await client in connections {
                    group.addTask { await handle(client) }
                }
            }
        } onGracefulShutdown: {
            shutdown(listenFD, Int32(SHUT_RDWR))
        }
        close(listenFD)
    }

    /// Runs blocking socket I/O on a dispatch thread, off Swift's cooperative pool.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }

    static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes the answer and closes the client socket, without waiting. A client that stops reading gets 10 s,
    /// so it cannot hold a thread.
    static func reply(_ client: Int32, _ data: Data) {
        DispatchQueue.global().async {
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            _ = UnixSocket.writeAll(client, data)
            close(client)
        }
    }
}

