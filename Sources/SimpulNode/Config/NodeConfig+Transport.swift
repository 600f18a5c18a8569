import Foundation
import SimpulCore

extension NodeConfig {
    /// A warning when the aggregator URL is plain `http://` to another machine: anyone on the path can read and change
    /// what is sent (docs/security.md, "TLS"). Nil for `https://` and for loopback. `init`, `status` and the daemon's
    /// start all say it, so it is not seen once and forgotten.
    public var plainHTTPWarning: String? { plainHTTPWarningMessage?.english }

    /// The same warning as a catalogue message, for a person to read in their language.
    public var plainHTTPWarningMessage: Message? {
        guard let url = URL(string: aggregatorURL), url.scheme?.lowercased() == "http", let host = url.host?.lowercased() else { return nil }
        let loopback = host.hasPrefix("127.") || host == "localhost" || host == "::1" || host == "[::1]"
        guard !loopback else { return nil }
        return Message(.warnPlainHTTP, ["url": aggregatorURL])
    }
}
