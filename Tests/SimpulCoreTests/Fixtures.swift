import Foundation
import SimpulCore

/// Shared inputs for the core tests.
enum Fixture {
    /// 32 bytes 0x01...0x20: the pseudonym key the HMAC test vector was computed with.
    static let keyBytes = Data(1...32)

    static func builder(rules: EventRules = EventRules()) -> EventBuilder {
        // The key is 32 bytes, so this cannot throw.
        EventBuilder(rules: rules, pseudonymizer: try! Pseudonymizer(keyBytes: keyBytes))
    }

    /// A valid request.received, as in the issue.
    static func request(_ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "kind": .string("request.received"), "service": .string("ADM.KTPEL"),
            "desa": .string("35.07.01.2001"), "occurred_at": .string("2026-03-01T09:00:00+07:00"),
        ]
        for (key, value) in extra { object[key] = value }
        return object
    }

    static let now = Date(timeIntervalSince1970: 1_788_000_000)

    /// Builds and expects a validation error.
    static func refusal(_ object: [String: JSONValue], builder: EventBuilder = Fixture.builder()) -> ValidationError? {
        do {
            _ = try builder.build(object: object, now: now)
            return nil
        } catch {
            return error
        }
    }
}
