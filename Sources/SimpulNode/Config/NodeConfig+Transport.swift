import Foundation

extension NodeConfig {
    /// A warning when the aggregator URL is plain `http://` to another machine: anyone on the path can read and change
    /// what is sent (docs/security.md, "TLS"). Nil for `https://` and for loopback. `init`, `status` and the daemon's
    /// start all say it, so it is not seen once and forgotten.
    public var plainHTTPWarning: String? {
        guard let url = URL(string: aggregatorURL), url.scheme?.lowercased() == "http", let host = url.host?.lowercased() else { return nil }
        let loopback = host.hasPrefix("127.") || host == "localhost" || host == "::1" || host == "[::1]"
        guard !loopback else { return nil }
        return "the aggregator URL \(aggregatorURL) is plain http outside this PC: anyone on the path can read and change what is sent. Use https."
    }
}
