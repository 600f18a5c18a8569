import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An aggregator replica the load harness pushes to (`http://HOST:PORT`), with its idle keep-alive connections.
final class LoadEndpoint: Sendable {
    let url: String
    let host: String
    let port: Int
    private let idle = Mutex<[any Channel]>([])

    init(url: String) throws {
        var text = url
        while text.hasSuffix("/") { text.removeLast() }
        guard text.hasPrefix("http://"), let components = URLComponents(string: text), let host = components.host, !host.isEmpty,
              components.path.isEmpty
        else {
            throw BenchError("aggregator URL '\(url)' must be http://HOST:PORT (plain HTTP on loopback or a test network; no path)")
        }
        self.url = text
        self.host = host
        self.port = components.port ?? 80
    }

    /// The host header's value.
    var authority: String { "\(host):\(port)" }

    /// An idle connection that is still open, if any.
    func takeIdle() -> (any Channel)? {
        idle.withLock { channels in
            while let channel = channels.popLast() {
                if channel.isActive { return channel }
            }
            return nil
        }
    }

    func giveBack(_ channel: any Channel) {
        idle.withLock { $0.append(channel) }
    }

    /// Closes the idle connections (at the end of a run).
    func closeIdle() async {
        let channels = idle.withLock { channels in
            defer { channels.removeAll() }
            return channels
        }
        for channel in channels { try? await channel.close() }
    }
}

/// A small HTTP/1.1 client on SwiftNIO for thousands of simulated nodes in one process: a few event-loop threads,
/// keep-alive connections reused across nodes (an idle one per replica is taken before a new one is opened), and at
/// most `concurrency` requests in flight (so at most that many connections busy at once).
final class LoadHTTPClient: Sendable {
    let group: MultiThreadedEventLoopGroup
    let permits: PermitPool
    let timeout: TimeAmount
    private let opened = Atomic<Int>(0)

    init(concurrency: Int, timeoutSeconds: Int, threads: Int = System.coreCount) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        permits = PermitPool(count: concurrency)
        timeout = .seconds(Int64(timeoutSeconds))
    }

    /// Connections opened so far (a reused connection is not counted again).
    var connectionsOpened: Int { opened.load(ordering: .relaxed) }

    /// A response and how long it took from the moment a permit was held (connecting, when no idle connection was
    /// there, included) to its last byte.
    struct Timed: Sendable {
        var answer: LoadHTTPAnswer
        var seconds: Double
    }

    /// Sends one request and waits for its whole answer. Throws `LoadHTTPFailure` (or a connect error) when there is
    /// none: the caller decides whether to retry.
    func send(_ method: HTTPMethod, _ path: String, to endpoint: LoadEndpoint, headers: [(String, String)], body: ByteBuffer) async throws -> Timed {
        await permits.acquire()
        defer { permits.release() }
        let start = ContinuousClock.now
        let channel = try await connection(to: endpoint)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: endpoint.authority)
        head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let promise = channel.eventLoop.makePromise(of: LoadHTTPAnswer.self)
        channel.writeAndFlush(LoadHTTPRequest(head: head, body: body, answer: promise)).whenFailure { error in
            promise.fail(LoadHTTPFailure(description: "the request could not be written: \(error)"))
        }
        let answer: LoadHTTPAnswer
        do {
            answer = try await promise.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        if answer.keepAlive && channel.isActive {
            endpoint.giveBack(channel)
        } else {
            try? await channel.close()
        }
        return Timed(answer: answer, seconds: start.duration(to: .now).inSeconds)
    }

    private func connection(to endpoint: LoadEndpoint) async throws -> any Channel {
        if let idle = endpoint.takeIdle() { return idle }
        let timeout = timeout
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(LoadHTTPHandler(timeout: timeout))
                }
            }
        do {
            let channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
            opened.add(1, ordering: .relaxed)
            return channel
        } catch {
            throw LoadHTTPFailure(description: "cannot connect to \(endpoint.url): \(error)")
        }
    }

    func shutdown(_ endpoints: [LoadEndpoint]) async {
        for endpoint in endpoints { await endpoint.closeIdle() }
        try? await group.shutdownGracefully()
    }
}
