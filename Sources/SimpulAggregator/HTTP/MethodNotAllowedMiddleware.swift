import HTTPTypes
import Hummingbird
import SimpulCore

/// A known path asked with a method it does not serve answers 405 with `Allow` (RFC 9110, 15.5.6), not 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's method and path template (`{name}` matches one non-empty segment).
    let routes: [(method: String, template: [Substring])]

    init(routes: [(method: String, path: String)]) {
        self.routes = routes.map { ($0.method, $0.path.split(separator: "/", omittingEmptySubsequences: false)) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound {
            let allowed = methods(for: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            var response = Problem(.methodNotAllowed, title: "Method Not Allowed", status: 405,
                                   detail: "\(request.method) is not served on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))").response()
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    /// The methods served on `path`, sorted.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var out = Set<String>()
        for route in routes where route.template.count == segments.count {
            let matches = zip(route.template, segments).allSatisfy { template, segment in
                template.hasPrefix("{") && template.hasSuffix("}") ? !segment.isEmpty : template == segment
            }
            if matches { out.insert(route.method) }
        }
        return out.sorted()
    }
}
