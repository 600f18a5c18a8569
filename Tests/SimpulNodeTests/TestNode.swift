import Foundation
import GRDB
import SimpulCore
import SimpulNode

/// A node initialised in its own temporary directory, removed by `withTestNode`.
struct TestNode {
    let dir: String
    let config: NodeConfig

    var configPath: String { dir + "/node.toml" }

    static func make(nodeID: String = "35.07.01") throws -> TestNode {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("simpul-node-test-\(UUID().uuidString)").path
        let config = NodeConfig(nodeID: nodeID, aggregatorURL: "http://127.0.0.1:9", dataDir: dir + "/data")
        let node = TestNode(dir: dir, config: config)
        _ = try NodeSetup.initialize(config: config, configPath: node.configPath, pseudonymKeySource: nil)
        return node
    }

    func recorder() throws -> Recorder {
        try Recorder(context: NodeContext.open(config: config))
    }

    func store() throws -> NodeStore {
        try NodeStore(path: config.databasePath)
    }

    /// A direct connection to node.db, for reading and damaging rows behind the store's back.
    func rawDatabase(foreignKeys: Bool = true) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = foreignKeys
        return try DatabaseQueue(path: config.databasePath, configuration: configuration)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// Runs `body` with a fresh node and removes its directory afterwards, whatever happens.
func withTestNode<T>(_ body: (TestNode) throws -> T) throws -> T {
    let node = try TestNode.make()
    defer { node.remove() }
    return try body(node)
}

/// Valid events for Donomulyo (35.07.01), as the front desk would send them.
enum Events {
    static let desa = ["35.07.01.2001", "35.07.01.2002", "35.07.01.2003"]
    static let services = ["ADM.KTPEL", "ADM.KK", "ADM.AKTA_LAHIR", "PATEN.NP.SKTM"]

    /// A NIK with a real birth date (women +40 on the day) and serial `index + 1`.
    static func nik(_ index: Int) -> String {
        let day = 1 + index % 28 + (index % 2 == 0 ? 40 : 0)
        let month = 1 + index % 12
        let year = 50 + index % 50
        return "350701" + String(format: "%02d%02d%02d%04d", day, month, year, index % 9999 + 1)
    }

    static func object(_ index: Int, nik: Bool = true) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "kind": .string("request.received"), "service": .string(services[index % services.count]),
            "desa": .string(desa[index % desa.count]), "officer": .string("ani"),
            "occurred_at": .string("2026-03-01T09:00:00+07:00"),
        ]
        if nik { object["nik"] = .string(Self.nik(index)) }
        return object
    }

    static func line(_ index: Int, nik: Bool = true) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try! encoder.encode(object(index, nik: nik)), as: UTF8.self)
    }

    static func ndjson(_ lines: [String]) -> Data {
        Data((lines.joined(separator: "\n") + "\n").utf8)
    }
}

extension Data {
    func contains(_ text: String) -> Bool { range(of: Data(text.utf8)) != nil }
}
