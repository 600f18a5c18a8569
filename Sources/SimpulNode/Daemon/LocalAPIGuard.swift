import Foundation
import SimpulCore

/// Who may use the local API: a front-desk application on this PC that presents the installation's token. Checked
/// before any route runs, in this order:
/// 1. `Host` must name the loopback address the API listens on (`127.0.0.1:PORT` or `localhost:PORT`): a web page
///    that rebinds its own host name to 127.0.0.1 sends its own name, and is refused (421).
/// 2. A request with an `Origin` (any browser fetch or form from a web page) must come from an origin allowed in
///    `daemon.api_allowed_origins` (403); a preflight (`OPTIONS`) from one gets the CORS answer.
/// 3. Every route but `/healthz` needs `Authorization: Bearer TOKEN` with the token in `api.token` (401).
/// 4. A body must be `application/json` (415): a page's `text/plain` form post never reaches the recorder.
struct LocalAPIGuard: Sendable {
    let listen: HostPort
    let allowedOrigins: [String]
    /// Reads the current token (the file may be rotated while the daemon runs); nil when it cannot be read.
    let token: @Sendable () -> String?

    /// A refusal: status, problem type, detail and extra headers.
    struct Refusal: Sendable {
        var status: Int
        var type: LocalAPIProblemType
        var detail: String
        var headers: [(String, String)] = []
    }

    /// The answer to a CORS preflight from an allowed origin, or a refusal; nil: let the route run.
    enum Verdict: Sendable {
        case proceed(corsHeaders: [(String, String)])
        case preflight(headers: [(String, String)])
        case refuse(Refusal)
    }

    func check(_ request: HTTPRequestReader.Request) -> Verdict {
        let host = request.headers["host"]?.lowercased() ?? ""
        let allowedHosts = ["\(listen.host):\(listen.port)", "localhost:\(listen.port)"]
        guard allowedHosts.contains(host) else {
            return .refuse(Refusal(status: 421, type: .hostNotAllowed,
                                   detail: "the Host header must be \(allowedHosts[0]) (the local API answers only requests made to this PC's loopback address)"))
        }
        var cors = [(String, String)]()
        if let origin = request.headers["origin"] {
            guard allowedOrigins.contains(origin.lowercased()) else {
                return .refuse(Refusal(status: 403, type: .originNotAllowed,
                                       detail: "requests from web pages are refused unless their origin is listed in daemon.api_allowed_origins"))
            }
            cors = [("Access-Control-Allow-Origin", origin.lowercased()), ("Vary", "Origin")]
            if request.method == "OPTIONS" {
                return .preflight(headers: cors + [("Access-Control-Allow-Methods", "GET, POST"),
                                                  ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
                                                  ("Access-Control-Max-Age", "600")])
            }
        } else if let site = request.headers["sec-fetch-site"], site != "same-origin", site != "none" {
            return .refuse(Refusal(status: 403, type: .originNotAllowed, detail: "requests from other sites are refused"))
        }
        if request.path != "/healthz" {
            guard let expected = token(), !expected.isEmpty else {
                return .refuse(Refusal(status: 503, type: .noToken,
                                       detail: "the local API's token cannot be read; run 'simpul api-token --rotate' as the node's owner"))
            }
            let given = request.headers["authorization"].flatMap { value -> String? in
                let parts = value.split(separator: " ", maxSplits: 1)
                return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]).trimmingCharacters(in: .whitespaces) : nil
            }
            guard let given, Self.constantTimeEqual(given, expected) else {
                return .refuse(Refusal(status: 401, type: .unauthorized,
                                       detail: "send 'Authorization: Bearer TOKEN' with the token 'simpul api-token' prints",
                                       headers: [("WWW-Authenticate", "Bearer realm=\"simpul\"")] + cors))
            }
        }
        if request.method == "POST" {
            let type = request.headers["content-type"]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard type == "application/json" else {
                return .refuse(Refusal(status: 415, type: .unsupportedMediaType, detail: "send the body as Content-Type: application/json",
                                       headers: cors))
            }
        }
        return .proceed(corsHeaders: cors)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool { ConstantTime.equal(a, b) }
}

/// The local API's bearer token: 32 random bytes, base64url, in `api.token` (owner read-write, group read).
public enum LocalAPIToken {
    public static func make() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Writes a new token (atomically) and returns it.
    @discardableResult
    public static func rotate(_ config: NodeConfig) throws(NodeError) -> String {
        let token = make()
        try SecretFile.write(token + "\n", to: config.apiTokenPath)
        chmod(config.apiTokenPath, 0o640)
        return token
    }

    /// The current token, or nil when the file is missing or unreadable.
    public static func read(_ config: NodeConfig) -> String? {
        guard let data = FileManager.default.contents(atPath: config.apiTokenPath) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
