import Logging
import NIOCore
import NIOHTTPTypes

/// Bounds how long a request may hold its connection, before and after it is answered.
///
/// - **A deadline for each request.** Hummingbird's idle timeout closes a connection that is between requests
///   (half-sent heads included), but once a head is in, a client could trickle its body a byte at a time for ever.
///   Each request has `timeout` from its head to its last body byte, else its connection is closed. The time the
///   server takes to answer is not counted. A node's own request timeout (`sync.request_timeout_seconds`, 120 s by
///   default) is the same order, so a real upload on a slow link gives up on its side first.
/// - **A refused request's unread body is dropped, not kept.** When an answer is written before the request's body
///   was read (a push refused on its declared length, or for a full body budget), the framework stops reading the
///   socket once a few body pieces wait unconsumed, so it would not even see the client close, and the connection
///   and its buffers stayed until the idle timeout. From that answer on, this handler reads and drops the rest of the
///   body itself, for at most `linger` and `lingerBytes`, then closes (a lingering close: the client still gets the
///   answer instead of a reset).
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let linger = TimeAmount.seconds(2)
    static let lingerBytes = 1 << 20

    private let timeout: TimeAmount
    private let logger: Logger
    private var pending: Scheduled<Void>?
    /// A head has been read and its `.end` not yet.
    private var requestOpen = false
    /// The request was answered before its body was read: body pieces are dropped here.
    private var discarding = false
    private var discarded = 0

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestOpen = true
            let path = head.path ?? ""
            let peer = context.remoteAddress?.ipAddress ?? "?"
            let seconds = timeout.nanoseconds / 1_000_000_000
            schedule(context, in: timeout) { [logger] in
                logger.warning("request closed: not received in full within its deadline",
                               metadata: ["path": "\(path.prefix(200))", "peer": "\(peer)", "deadline_s": "\(seconds)"])
            }
        case .body(let piece) where discarding:
            discarded += piece.readableBytes
            if discarded > Self.lingerBytes { context.close(promise: nil) }
            return
        case .body:
            break
        case .end:
            requestOpen = false
            discarding = false
            cancel()
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Keep reading while dropping a refused body: the framework has stopped asking for more.
        if discarding { context.read() }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), requestOpen, !discarding {
            discarding = true
            schedule(context, in: Self.linger) {}
            context.read()
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    /// Closes the connection after `delay` unless cancelled first; replaces any earlier schedule.
    private func schedule(_ context: ChannelHandlerContext, in delay: TimeAmount, then note: @escaping () -> Void) {
        cancel()
        pending = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            note()
            context.close(promise: nil)
        }
    }

    private func cancel() {
        pending?.cancel()
        pending = nil
    }
}
