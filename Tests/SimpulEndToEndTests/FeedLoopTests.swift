import Foundation
import Testing

/// Two-way sync, live: offices refer cases to provider nodes, providers answer through the province's feed, and
/// every node's view of a case equals the aggregator's fold, whatever was offline or killed mid-sync.
@Suite("Feed: referrals answered by providers (live)", .serialized)
struct FeedLoopTests {
    static let offices = ["35.07.01", "35.07.02", "35.07.03"]
    static let providers = ["DISDUKCAPIL.35.07", "DINSOS.35.07"]
    static let casesTotal = 2_000
    static let rounds = 12

    /// What the test recorded, to check the end state against.
    struct Book {
        var referredTo = [String: String]()      // case key -> provider
        var referredLongAgo = Set<String>()       // referral 20 days old (past every target used)
        var service = [String: String]()
        var responded = [String: Int]()           // case key -> responses recorded
        var closed = Set<String>()                // cancelled by the office
        var responsesTo = [String: Int]()         // office -> responses recorded on its cases
    }

    static func line(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    static func stamp(daysAgo: Double, plusMinutes: Double = 0) -> String {
        let date = Date().addingTimeInterval(-daysAgo * 86_400 + plusMinutes * 60)
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        return f.string(from: date)
    }

    @Test("3 offices, 2 providers, 2,000 referred cases; nodes offline at random and SIGKILLed mid-sync; every view equals the aggregator's fold")
    func referralsAnsweredExactlyOnce() async throws {
        try await LiveCluster.run { cluster in
            var nodes = [String: LiveNode]()
            for id in Self.offices { nodes[id] = try await cluster.makeNode(id) }
            for id in Self.providers { nodes[id] = try await cluster.makeNode(id, provider: true) }
            var book = Book()
            var generator = SystemRandomNumberGenerator()

            // Every office opens and refers its share of the cases, offline.
            for (officeIndex, office) in Self.offices.enumerated() {
                var lines = [String]()
                let share = Self.casesTotal / Self.offices.count + (officeIndex < Self.casesTotal % Self.offices.count ? 1 : 0)
                for n in 0..<share {
                    let caseID = "K-\(office)-\(n)"
                    let key = "\(office)/\(caseID)"
                    let service = n % 2 == 0 ? "ADM.KTPEL" : "SOS.PBI_JK"
                    let provider = Self.providers[Int.random(in: 0..<Self.providers.count, using: &generator)]
                    let daysAgo = n % 3 == 0 ? 20.0 : 1.0
                    lines.append(Self.line(["kind": "request.received", "case": caseID, "service": service, "channel": "counter",
                                            "desa": office + ".2001", "occurred_at": Self.stamp(daysAgo: daysAgo)]))
                    lines.append(Self.line(["kind": "request.referred", "case": caseID, "service": service, "provider": provider,
                                            "occurred_at": Self.stamp(daysAgo: daysAgo, plusMinutes: 30)]))
                    book.referredTo[key] = provider
                    book.service[key] = service
                    if daysAgo > 14 { book.referredLongAgo.insert(key) }
                }
                let result = try await nodes[office]!.recordLines(lines)
                try #require(result.status == 0, "recording on \(office): \(result.summary)")
            }

            var kills = 0, offline = 0, completed = 0
            for round in 0..<Self.rounds {
                for id in (Self.offices + Self.providers).shuffled() {
                    let node = nodes[id]!
                    if Int.random(in: 0..<4, using: &generator) == 0 {
                        offline += 1
                        continue
                    }
                    if Self.providers.contains(id) {
                        try await answer(node, book: &book, share: 0.3)
                    } else if round % 3 == 1 {
                        // The office cancels a few open cases (a late answer to one is then an anomaly, flagged).
                        let open = book.referredTo.keys.filter { $0.hasPrefix(id + "/") && !book.closed.contains($0) }.shuffled().prefix(3)
                        let lines = open.map { key in
                            Self.line(["kind": "request.cancelled", "case": String(key.dropFirst(id.count + 1)), "service": book.service[key]!,
                                       "reason": "citizen_withdrew"])
                        }
                        if !lines.isEmpty {
                            let result = try await node.recordLines(lines)
                            try #require(result.status == 0, "cancelling on \(id): \(result.summary)")
                            book.closed.formUnion(open)
                        }
                    }
                    let sync = try node.startSync()
                    if Bool.random(using: &generator) {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 0...600, using: &generator)))
                        sync.signal(SIGKILL)
                        _ = await sync.finish(within: .seconds(30))
                        kills += 1
                    } else {
                        let result = await sync.finish(within: .seconds(60))
                        #expect(result.status == 0, "round \(round): sync on \(id): \(result.summary)")
                        completed += 1
                    }
                }
            }
            // The link returns everywhere: offices push, providers answer the rest, everyone pulls.
            for id in Self.offices { try await nodes[id]!.syncCompletely() }
            for id in Self.providers {
                try await nodes[id]!.syncCompletely()
                try await answer(nodes[id]!, book: &book, share: 0.5)
                try await nodes[id]!.syncCompletely()
            }
            for id in Self.offices + Self.providers { try await nodes[id]!.syncCompletely() }
            print("feed loop: \(Self.rounds) rounds, \(kills) syncs SIGKILLed, \(offline) node-rounds offline, \(completed) syncs completed; "
                + "\(book.responded.values.reduce(0, +)) responses, \(book.closed.count) cancellations")
            #expect(kills >= 10, "only \(kills) syncs were killed")

            let truth = try await cluster.aggregatorCases()
            #expect(truth.count == Self.casesTotal, "the aggregator folds \(truth.count) cases")
            // The figures the server keeps as entries arrive hold the same cases in the same states.
            let export = try await cluster.runAdmin(["export", "cases", "--format", "json"], within: .seconds(120))
            #expect(export.status == 0, "\(export.summary)")
            let figures = String(decoding: export.stdout, as: UTF8.self).split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(figures.count == Self.casesTotal, "export cases: \(figures.count) rows")
            let differing = figures.filter { truth[LiveCase.key($0)]?["state"] as? String != $0["state"] as? String }
            #expect(differing.isEmpty, "\(differing.count) cases in another state than the fold, e.g. \(differing.prefix(2))")
            for id in Self.offices + Self.providers {
                let node = nodes[id]!
                try await expectExactlyOnce(node)
                let views = try await node.cases()
                var mismatches = [String]()
                for view in views {
                    let key = LiveCase.key(view)
                    guard let fold = truth[key] else { mismatches.append("\(key): unknown to the aggregator"); continue }
                    if LiveCase.essence(view) != LiveCase.essence(fold) {
                        mismatches.append("\(key): node \(LiveCase.essence(view)) vs aggregator \(LiveCase.essence(fold))")
                    }
                }
                #expect(mismatches.isEmpty, "\(id): \(mismatches.count) cases differ from the aggregator's fold, e.g. \(mismatches.prefix(2))")
                let keys = Set(views.map(LiveCase.key))
                if Self.providers.contains(id) {
                    // Every referral reached its provider, exactly once.
                    let expected = Set(book.referredTo.filter { $0.value == id }.keys)
                    #expect(keys == expected, "\(id) holds \(keys.count) cases, \(expected.count) were referred to it")
                    let rows = try await node.query("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM feed_events WHERE kind = 'request.referred'")
                    #expect(rows.first?["n"] == "\(expected.count)" && rows.first?["ids"] == "\(expected.count)", "\(id) feed referrals: \(rows)")
                    for view in views {
                        let referrals = (view["events"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "request.referred" }
                        #expect(referrals.count == 1, "\(LiveCase.key(view)) lists \(referrals.count) referrals on \(id)")
                    }
                } else {
                    #expect(keys == Set(book.referredTo.keys.filter { $0.hasPrefix(id + "/") }), "\(id) lists \(keys.count) cases")
                    // Every response reached its office, exactly once.
                    let expected = book.responsesTo[id, default: 0]
                    let rows = try await node.query("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM feed_events WHERE kind = 'provider.responded'")
                    #expect(rows.first?["n"] == "\(expected)" && rows.first?["ids"] == "\(expected)", "\(id) feed responses: \(rows), expected \(expected)")
                    // Overdue: referred 20 days ago (past the 14-day targets), never answered, not cancelled.
                    let overdue = Set(try await node.cases(["--overdue"]).map(LiveCase.key))
                    let expectedOverdue = book.referredLongAgo.filter {
                        $0.hasPrefix(id + "/") && book.responded[$0] == nil && !book.closed.contains($0)
                    }
                    #expect(overdue == expectedOverdue, "\(id): \(overdue.count) overdue, expected \(expectedOverdue.count)")
                }
            }
        }
    }

    /// A provider acknowledges or answers a share of the referred cases it holds that are still waiting for it.
    func answer(_ node: LiveNode, book: inout Book, share: Double) async throws {
        let waiting = try await node.cases().filter {
            ($0["state"] as? String == "referred" || $0["state"] as? String == "acknowledged") && $0["provider"] as? String == node.id
        }
        var lines = [String]()
        var answered = [(key: String, office: String)]()
        for c in waiting where Double.random(in: 0..<1) < share {
            let office = c["case_node"] as! String
            let caseID = c["case"] as! String
            let key = "\(office)/\(caseID)"
            if c["state"] as? String == "referred" && Bool.random() {
                lines.append(Self.line(["kind": "provider.acknowledged", "case": caseID, "case_node": office]))
                continue
            }
            var object: [String: Any] = ["kind": "provider.responded", "case": caseID, "outcome": "completed"]
            if Int.random(in: 0..<5) == 0 {
                object["outcome"] = "declined"
                object["reason"] = "out_of_scope"
            }
            lines.append(Self.line(object))
            answered.append((key, office))
        }
        guard !lines.isEmpty else { return }
        let result = try await node.recordLines(lines)
        try #require(result.status == 0, "answering on \(node.id): \(result.summary)")
        for a in answered {
            book.responded[a.key, default: 0] += 1
            book.responsesTo[a.office, default: 0] += 1
        }
    }
}
