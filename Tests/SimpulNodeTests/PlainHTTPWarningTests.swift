import Foundation
import SimpulCore
import SimpulNode
import Testing

/// A plain-http aggregator URL to another machine is said where a person looks: `init`, `status` (and its JSON).
@Suite struct PlainHTTPWarningTests {
    @Test("plain http to another machine warns; https and loopback do not", arguments: [
        ("http://10.20.30.40:8080", true), ("http://simpul.jatim.example", true), ("HTTP://192.168.1.5", true),
        ("https://simpul.jatim.example", false), ("http://127.0.0.1:8080", false), ("http://localhost:8080", false),
        ("http://[::1]:8080", false),
    ])
    func warning(url: String, warns: Bool) {
        let config = NodeConfig(nodeID: "35.07.01", aggregatorURL: url, dataDir: "/tmp/unused")
        #expect((config.plainHTTPWarning != nil) == warns, "\(url)")
    }

    @Test func statusCarriesTheWarningAndItsJSONAlwaysHasTheKey() throws {
        let node = try TestNode.make()
        defer { node.remove() }
        let quiet = try NodeStatusReport.read(NodeContext.open(config: node.config), daemonRunning: false)
        #expect(quiet.warnings == [])
        var exposed = node.config
        exposed.aggregatorURL = "http://10.20.30.40:8080"
        let report = try NodeStatusReport.read(NodeContext.open(config: exposed), daemonRunning: false)
        #expect(report.warnings?.first?.contains("plain http") == true)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(quiet)) as? [String: Any])
        #expect((json["warnings"] as? [String]) == [])
    }
}
