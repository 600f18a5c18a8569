import Foundation
import HTTPTypes
import Hummingbird
import SimpulCore

/// The dashboard's optional read token (`dashboard_token` in the config): without one the dashboard is open to
/// whoever reaches the port; with one, a request needs it as `Authorization: Bearer TOKEN` or in the cookie that a
/// first visit with `?token=TOKEN` sets (answered 303 to the same page without the token, so it leaves the address
/// bar and the browser history at once).
struct DashboardAccess: Sendable {
    let token: String

    static let cookieName = "simpul_dashboard"

    /// What a request gets.
    enum Decision: Equatable {
        case allowed
        /// The token was in the query: set the cookie, go to `location` (the same page without the token).
        case setCookie(location: String, cookie: String)
        case refused
    }

    /// A token is 16-128 letters, digits, '-' or '_' (it travels in a cookie and a header unquoted).
    static func isTokenShaped(_ text: String) -> Bool {
        (16...128).contains(text.utf8.count) && text.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
        }
    }

    func decide(_ request: Request, location: String) -> Decision {
        if token.isEmpty { return .allowed }
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
           ConstantTime.equal(String(authorization.dropFirst(7)), token) {
            return .allowed
        }
        if let cookies = request.headers[.cookie] {
            for part in cookies.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(Self.cookieName + "="), ConstantTime.equal(String(pair.dropFirst(Self.cookieName.count + 1)), token) {
                    return .allowed
                }
            }
        }
        if let given = request.uri.queryParameters.get("token"), ConstantTime.equal(given, token) {
            return .setCookie(location: location, cookie: "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict")
        }
        return .refused
    }
}
