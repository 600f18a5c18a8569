import ArgumentParser
import Foundation
import Logging
import SimpulCore
import SimpulNode

struct FeedBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "A provider node catching up on referred cases through its feed vs inserting the same rows straight into SQLite.")
    @Option(help: "Routed events (half requests, half referrals to the provider).") var events = 100_000
    @Option(help: "Runs (the median is reported).") var runs = 3

    static let provider = "DISDUKCAPIL.35.07"

    func run() async throws {
        let cases = events / 2
        var objects = [[String: JSONValue]]()
        objects.reserveCapacity(cases * 2)
        for n in 0..<cases {
            let caseID = "K-\(n)"
            let service: JSONValue = .string(n % 2 == 0 ? "ADM.KTPEL" : "SOS.PBI_JK")
            objects.append(["kind": .string("request.received"), "case": .string(caseID), "service": service, "channel": .string("counter"),
                            "desa": .string("35.07.01.20\(String(format: "%02d", 1 + n % 8))"), "occurred_at": .string("2026-11-30T09:00:00+07:00"),
                            "officer": .string(n % 2 == 0 ? "ani" : "budi")])
            objects.append(["kind": .string("request.referred"), "case": .string(caseID), "service": service,
                            "provider": .string(Self.provider), "occurred_at": .string("2026-11-30T09:30:00+07:00")])
        }
        let input = ndjson(objects)
        let aggregatorBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/simpul-aggregator"
        guard FileManager.default.isExecutableFile(atPath: aggregatorBinary) else {
            throw BenchError("\(aggregatorBinary) not found: build it first (swift build -c release)")
        }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        var simpul = [Double]()
        var baseline = [Double]()
        var wirePerEvent = 0.0
        var pulled = 0
        for run in 1...runs {
            let dir = try temporaryDirectory("feed")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let port = try freePort()
            let aggregator = try LocalAggregator(binary: aggregatorBinary, dir: dir + "/agg", port: port)
            defer { aggregator.stop() }
            let url = "http://127.0.0.1:\(port)"
            let office = try makeNode(in: dir + "/office", aggregator: url)
            let provider = try makeNode(in: dir + "/provider", aggregator: url, id: Self.provider)
            _ = try Recorder(context: office).importNDJSON(input)
            let officeKeys = try NodeKeys.load(office.config)
            let providerKeys = try NodeKeys.load(provider.config)
            try aggregator.enrol(node: office.config.nodeID, publicKey: officeKeys.signing.publicKey.base64)
            try aggregator.enrol(node: Self.provider, publicKey: providerKeys.signing.publicKey.base64)
            try await aggregator.waitReady()
            let push = try await SyncEngine(context: office, signingKey: officeKeys.signing, transport: CurlTransport(), logger: logger).syncOnce()
            guard push.ackedSeq == Int64(objects.count) else { throw BenchError("the office's push did not complete: \(push)") }

            let engine = SyncEngine(context: provider, signingKey: providerKeys.signing, transport: CurlTransport(), logger: logger)
            var report = SyncReport(status: "")
            let seconds = try await timedAsync { report = try await engine.syncOnce() }
            pulled = report.pulled
            guard pulled == objects.count else { throw BenchError("the provider pulled \(pulled) of \(objects.count) routed events") }
            simpul.append(seconds)
            wirePerEvent = Double(report.bytesReceived ?? 0) / Double(pulled)

            // Baseline: the rows the provider stores, straight into SQLite in transactions of a feed page (500 items).
            let rows: [[[PlainSQLite.Value]]] = try office.store.entries(after: 0, maxCount: objects.count, maxBytes: Int.max).enumerated().map { index, e in
                let content = try e.entry.decode()
                let event = content.event
                return [[.text(content.node), .int(e.entry.seq), .text(event.id), .text(event.kind.rawValue), .text(content.node),
                         .text(event.caseID), .text(event.service), event.provider.map { .text($0) } ?? .null, .int(content.hlc),
                         .blob(e.entry.bytes), .int(Int64(index + 2))]]
            }
            let plain = try PlainSQLite(path: dir + "/plain.db")
            try plain.exec("""
                CREATE TABLE feed_events (origin_node TEXT NOT NULL, origin_seq INTEGER NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL,
                  case_node TEXT NOT NULL, case_id TEXT NOT NULL, service TEXT NOT NULL, provider TEXT, hlc INTEGER NOT NULL, bytes BLOB NOT NULL,
                  cursor INTEGER NOT NULL, PRIMARY KEY (origin_node, origin_seq));
                CREATE INDEX feed_events_case ON feed_events(case_id, case_node);
                """)
            let base = try timed {
                try plain.insert(statements: ["INSERT INTO feed_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"], rows: rows, perTransaction: 500)
            }
            plain.close()
            baseline.append(base)
            print("run \(run): provider catch-up \(Int(Double(pulled) / seconds)) events/s, plain SQLite \(Int(Double(pulled) / base)) rows/s, "
                  + "\(String(format: "%.1f", wirePerEvent)) wire bytes per event")
        }
        let rate = Double(pulled) / median(simpul)
        let baseRate = Double(pulled) / median(baseline)
        print("""
            feed benchmark: a provider catching up on \(pulled) routed events (requests and referrals) through its feed on loopback (median of \(runs))
              end to end (signed pages, gzip, verify, apply, cursor): \(Int(rate)) events/s (\(String(format: "%.2f", median(simpul))) s)
              plain SQLite baseline (same rows, same table, 500 a tx): \(Int(baseRate)) rows/s (\(String(format: "%.2f", median(baseline))) s)
              ratio                                                  : \(String(format: "%.2f", rate / baseRate))x
              wire bytes per event                                   : \(String(format: "%.1f", wirePerEvent))
            """)
    }
}
