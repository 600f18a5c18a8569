import HTTPTypes
import Hummingbird

/// `HEAD` is not served (no route takes it; a `GET` route answers it with 405 and `Allow: GET`), and an answer to a
/// `HEAD` request never carries a body, which would break the connection's framing (RFC 9110, 9.3.2).
struct HeadMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        var response = try await next(request, context)
        response.body = ResponseBody()
        return response
    }
}
