import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request has not arrived in full within a deadline of its head.
///
/// Hummingbird's idle timeout closes a connection that is between requests (half-sent heads included), but once a
/// request's head is in, a client can trickle its body a byte at a time and hold the connection for ever. This
/// handler gives each request, from its head to its last body byte, `timeout` in all; the time the server then
/// takes to answer is not counted. A node's own request timeout (`sync.request_timeout_seconds`, 120 s by default)
/// is the same order, so a real upload on a slow link gives up on its side first.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private let logger: Logger
    private var pending: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            cancel()
            let path = head.path ?? ""
            let peer = context.remoteAddress?.ipAddress ?? "?"
            let seconds = timeout.nanoseconds / 1_000_000_000
            pending = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [logger] in
                logger.warning("request closed: not received in full within its deadline",
                               metadata: ["path": "\(path)", "peer": "\(peer)", "deadline_s": "\(seconds)"])
                context.close(promise: nil)
            }
        case .end:
            cancel()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    private func cancel() {
        pending?.cancel()
        pending = nil
    }
}
