import NIOCore
import NIOHTTP1

/// One request for a keep-alive HTTP/1.1 connection of the load harness: written through the channel, answered
/// through `answer` (with the whole response, or a `LoadHTTPFailure`).
struct LoadHTTPRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var answer: EventLoopPromise<LoadHTTPAnswer>
}

/// A complete HTTP response, and whether its connection may carry another request.
struct LoadHTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer
    var keepAlive: Bool
}

/// Why a request got no answer: the connection closed or failed, or the answer took too long. The harness retries.
struct LoadHTTPFailure: Error, CustomStringConvertible {
    var description: String
}

/// The end of a client channel's pipeline (after `HTTPClientCodec`'s handlers): writes one `LoadHTTPRequest` at a
/// time, gathers its response into a `LoadHTTPAnswer`, and fails the request if the connection ends first or the
/// answer does not complete within `timeout` (then the connection is closed: it is no use for another request).
final class LoadHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = LoadHTTPRequest
    typealias OutboundOut = HTTPClientRequestPart

    private let timeout: TimeAmount
    private var pending: EventLoopPromise<LoadHTTPAnswer>?
    private var deadline: Scheduled<Void>?
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard pending == nil else {
            request.answer.fail(LoadHTTPFailure(description: "a request was written while another was in flight"))
            promise?.fail(LoadHTTPFailure(description: "connection busy"))
            return
        }
        pending = request.answer
        head = nil
        body.clear()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [timeout] in
            self.fail(LoadHTTPFailure(description: "no complete answer within \(timeout.nanoseconds / 1_000_000_000) s"))
            context.close(promise: nil)
        }
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let promise = pending, let head else { return }
            pending = nil
            deadline?.cancel()
            deadline = nil
            promise.succeed(LoadHTTPAnswer(status: Int(head.status.code), headers: head.headers, body: body, keepAlive: head.isKeepAlive))
            body = ByteBuffer()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(LoadHTTPFailure(description: "the connection closed before the answer was complete"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(LoadHTTPFailure(description: "connection error: \(error)"))
        context.close(promise: nil)
    }

    private func fail(_ failure: LoadHTTPFailure) {
        deadline?.cancel()
        deadline = nil
        if let promise = pending {
            pending = nil
            promise.fail(failure)
        }
    }
}
