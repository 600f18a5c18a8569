// The push and feed seeds in Tests/fuzz/corpus/{push,feed}: real bodies and answers, built with the same SimpulCore
// code as the node and the aggregator (real SHA-256 hashes, see CryptoStub.swift; placeholder signatures, which the
// fuzzer never checks). Written by `SIMPUL_FUZZ_SEEDS=Tests/fuzz/corpus Tests/fuzz/run.sh`; each seed is checked
// here to get as far as the code it is meant to reach.
import Foundation

enum Seeds {
    /// A seed that does not do what it is for.
    struct Broken: Error, CustomStringConvertible {
        var description: String
    }

    static let office = "35.07.01"
    static let provider = "DISDUKCAPIL.35.07"
    /// Any base64 of 64 bytes: the shape of an Ed25519 signature.
    static let signature = Data(repeating: 0x5a, count: 64).base64EncodedString()
    static let rules = RulesDocument(catalogueCSV: "code,name,category,target_days\nADM.KTPEL,KTP-el,Administrasi,14\n",
                                     allowUnknownWilayah: false, syncIntervalSeconds: 300)

    static func write(to directory: URL) throws {
        for (folder, seeds) in [("push", try pushSeeds()), ("feed", try feedSeeds())] {
            let target = directory.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for (name, bytes) in seeds {
                guard bytes.count <= 4096 else { throw Broken(description: "seed \(name) is over the fuzzer's 4096 bytes") }
                try bytes.write(to: target.appendingPathComponent(name))
            }
        }
    }

    static func entry(node: String, seq: Int64, hlc: Int64, event: String) throws -> LogEntry {
        let entry = LogEntry(seq: seq, bytes: Data(#"{"event":\#(event),"hlc":\#(hlc),"node":"\#(node)","rules":"\#(rules.version)","seq":\#(seq)}"#.utf8))
        let content = try entry.decode()
        try rules.eventRules().check(content.event)
        return entry
    }

    static func officeLog() throws -> [LogEntry] {
        [
            try entry(node: office, seq: 1, hlc: 117_180_000_000_000_000, event: #"{"case":"K1","channel":"counter","desa":"35.07.01.2001","id":"0190a000-0000-7000-8000-000000000001","kind":"request.received","occurred_at":"2026-03-01T09:00:00+07:00","service":"ADM.KTPEL"}"#),
            try entry(node: office, seq: 2, hlc: 117_180_000_000_065_536, event: #"{"case":"K1","id":"0190a000-0000-7000-8000-000000000002","kind":"request.referred","occurred_at":"2026-03-01T09:30:00+07:00","provider":"DISDUKCAPIL.35.07","service":"ADM.KTPEL"}"#),
        ]
    }

    static func providerLog() throws -> [LogEntry] {
        [try entry(node: provider, seq: 1, hlc: 117_180_000_100_000_000, event: #"{"attrs":{"case_node":"35.07.01"},"case":"K1","id":"0190a000-0000-7000-8000-000000000003","kind":"provider.acknowledged","occurred_at":"2026-03-01T10:00:00+07:00","provider":"DISDUKCAPIL.35.07","service":"ADM.KTPEL"}"#)]
    }

    static func hashes(_ log: [LogEntry]) -> [Data] {
        var hash = ChainHash.genesis
        return log.map { entry in
            hash = ChainHash.next(previous: hash, entry: entry.bytes)
            return hash
        }
    }

    static func pushBody(node: String, log: [LogEntry], from: Int) throws -> Data {
        let all = hashes(log)
        let batch = Array(log[(from - 1)...])
        let header = PushHeader(node: node, fromSeq: Int64(from), toSeq: Int64(log.count),
                                prevHash: Hex.encode(from == 1 ? ChainHash.genesis : all[from - 2]), lastHash: Hex.encode(all[log.count - 1]),
                                clock: "2026-03-01T03:00:00.000Z", signature: signature)
        let body = try header.body(entries: batch)
        // As the aggregator parses it, and chained to the signed last hash.
        let (parsed, lines) = try PushBody.parse(body, limits: Limits(), maxHeaderLineBytes: 4096, maxSeq: 1 << 53)
        var verifier = ChainVerifier(node: node, after: parsed.fromSeq - 1, hash: Hex.decode(parsed.prevHash) ?? Data())
        for (offset, line) in lines.enumerated() { try verifier.append(LogEntry(seq: parsed.fromSeq + Int64(offset), bytes: line)) }
        guard Hex.encode(verifier.hash) == parsed.lastHash else { throw Broken(description: "the push seed's chain does not reach last_hash") }
        return body
    }

    static func pushSeeds() throws -> [(String, Data)] {
        let office = try pushBody(node: Self.office, log: officeLog(), from: 1)
        return [
            ("office-1-2.ndjson", office + Data("\n".utf8)),
            ("office-1-2.ndjson.gz", Gzip.compress(office)),
            ("office-2.ndjson", try pushBody(node: Self.office, log: officeLog(), from: 2)),
            ("provider-1.ndjson.gz", Gzip.compress(try pushBody(node: provider, log: providerLog(), from: 1))),
        ]
    }

    static func encode(_ value: some Encodable) throws -> Data {
        // As the aggregator answers (AggregatorApp+Feed).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func feedSeeds() throws -> [(String, Data)] {
        let officeLog = try officeLog()
        let officeHashes = hashes(officeLog)
        let ownEntry = try providerLog()[0]
        let page = FeedPage(node: provider, after: 0, next: 9, more: false, items: [
            FeedItem(cursor: 1, rules: rules),
            FeedItem(cursor: 7, node: office, seq: 1, entry: officeLog[0].bytes, hash: officeHashes[0]),
            FeedItem(cursor: 8, node: office, seq: 2, entry: officeLog[1].bytes, hash: officeHashes[1]),
            FeedItem(cursor: 9, node: provider, seq: 1, entry: ownEntry.bytes, hash: hashes([ownEntry])[0]),
        ])
        let feed = try encode(page)
        let checked = try JSONDecoder().decode(FeedPage.self, from: feed).checked(forNode: provider)
        guard checked.entries.count == 2, checked.rules == rules else { throw Broken(description: "the feed seed does not check as meant") }
        let log = LogPage(node: office, after: 0, headSeq: 2, headHash: Hex.encode(officeHashes[1]), more: false,
                          entries: zip(officeLog, officeHashes).map { LogPage.Entry(seq: $0.seq, entry: $0.bytes, hash: $1) })
        let receipt = Receipt(node: office, seq: 2, hash: Hex.encode(officeHashes[1]), issuedAt: "2026-03-01T03:00:01.000Z", stored: 2,
                              duplicates: 0, quarantined: 1, quarantineReason: "seq 2: service: not in the catalogue",
                              quarantineSignature: signature, aggregatorKey: Data(count: 32).base64EncodedString(), signature: signature)
        let problem = Problem(type: "gap", title: "Batch does not link to the stored head", status: 409,
                              detail: "the batch starts at seq 5 but the aggregator holds seq 1-2; resend from seq 3",
                              head: Problem.Head(seq: 2, hash: Hex.encode(officeHashes[1])), seq: 3)
        return [
            ("feed-page.json", feed),
            ("feed-empty.json", try encode(FeedPage(node: office, after: 9, next: 9, more: false, items: []))),
            ("log-page.json", try encode(log)),
            ("head.json", try encode(HeadResponse(node: office, seq: 2, hash: Hex.encode(officeHashes[1]), state: .active, limits: Limits(), receipt: receipt))),
            ("problem.json", try encode(problem)),
        ]
    }
}
