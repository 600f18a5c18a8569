import Foundation
import Hummingbird
import Logging
import SimpulCore

/// Turns every error into a JSON problem body (RFC 9457), including Hummingbird's own 404s and 413s, and
/// hides internal errors behind a 500 with no details (they are logged instead).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response()
        } catch let unavailable as StorageUnavailable {
            context.logger.warning("database unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(unavailable.reason)"])
            return Problem(.databaseUnavailable, title: "Database unavailable", status: 503,
                           detail: "the aggregator cannot reach its database just now. Retry in a second: a push is stored whole or not at all, and a retry never stores anything twice.").response()
        } catch let error as any HTTPResponseError {
            let status = error.status
            let type: ProblemType = switch status {
            case .notFound: .notFound
            case .contentTooLarge: .tooLarge
            case .methodNotAllowed: .methodNotAllowed
            case _ where status.code >= 500: .internal
            default: .badRequest
            }
            let detail = status == .notFound ? "no route \(request.method) \(request.uri.path.prefix(200)); see docs/protocol.md" : status.reasonPhrase
            return Problem(type, title: status.reasonPhrase, status: status.code, detail: detail).response()
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Problem(.internal, title: "Internal error", status: 500,
                           detail: "the aggregator could not complete the request; it was logged. Retry later.").response()
        }
    }
}

extension Problem {
    func response() -> Response {
        var response = jsonResponse(self, status: HTTPResponse.Status(code: status))
        response.headers[.contentType] = SimpulProtocol.problemContentType
        if status == 503 { response.headers[.retryAfter] = "1" }
        return response
    }
}

/// A JSON response.
func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data()
    return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
