import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SimpulCore

/// A request the HTTP parser cannot read (a bad `Content-Length`, headers over the parser's limits, a malformed
/// request line) gets a `400 bad-request` problem body like every other error, then the connection is closed.
/// Without this, the server framework answers such a request with an empty 400.
final class ParserErrorProblemHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let problem = Problem(.badRequest, title: "Bad Request", status: 400,
                              detail: "the request could not be parsed as HTTP/1.1 (\(Self.describe(parserError))); see docs/protocol.md")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(problem)) ?? Data()
        var head = HTTPResponse(status: .badRequest)
        head.headerFields[.contentType] = SimpulProtocol.problemContentType
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .invalidContentLength, .unexpectedContentLength: "a bad Content-Length"
        case .headerOverflow: "headers too large"
        case .invalidURL: "a bad request target"
        case .invalidMethod: "a bad method"
        case .invalidVersion: "a bad HTTP version"
        default: "malformed"
        }
    }
}
