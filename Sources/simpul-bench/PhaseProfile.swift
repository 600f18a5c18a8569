import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode

/// `phases`: where the record path spends its time (parse+validate, encode, append), to guide optimisation.
struct PhaseProfile: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "phases", abstract: "Time each phase of bulk import separately.")
    @Option var events = 100_000

    func run() throws {
        var generator = try EventGenerator(kecamatan: "35.07.01", seed: 42)
        let input = ndjson(generator.day("2026-11-30", count: events))
        let lines = input.split(separator: 0x0a).map { Data($0) }
        let dir = try temporaryDirectory("phases")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let context = try makeNode(in: dir)
        let recorder = try Recorder(context: context)
        let now = Date()
        var objects = [[String: JSONValue]]()
        let parse = try timed {
            for line in lines {
                guard case .object(let o) = try JSONParser.parse(line) else { throw BenchError("not an object") }
                objects.append(o)
            }
        }
        var built = [Event]()
        let build = try timed { for o in objects { built.append(try recorder.builder.build(object: o, now: now)) } }
        var prepared = [PreparedEvent]()
        let encode = try timed { for e in built { prepared.append(try PreparedEvent(e)) } }
        let append = try timed { _ = try context.store.append(prepared, node: "35.07.01") }
        let n = Double(lines.count)
        for (name, s) in [("parse JSON", parse), ("build+validate", build), ("encode canonical", encode), ("append (SQLite)", append)] {
            print("\(name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(format: "%6.1f", s / n * 1e6)) us/event")
        }
    }
}
