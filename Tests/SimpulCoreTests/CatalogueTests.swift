import Foundation
import Testing
@testable import SimpulCore

@Suite("The message catalogue")
struct CatalogueTests {
    @Test("every key has a non-empty English and Indonesian text with the same placeholders")
    func everyKeyInBothLanguages() {
        for key in MessageKey.allCases {
            let entry = Catalogue.entries[key]
            #expect(entry != nil, "\(key.rawValue) is missing from the catalogue")
            guard let entry else { continue }
            #expect(!entry.en.trimmingCharacters(in: .whitespaces).isEmpty, "\(key.rawValue): empty English text")
            #expect(!entry.id.trimmingCharacters(in: .whitespaces).isEmpty, "\(key.rawValue): empty Indonesian text")
            #expect(Catalogue.placeholders(entry.en) == Catalogue.placeholders(entry.id),
                    "\(key.rawValue): placeholders differ: \(Catalogue.placeholders(entry.en)) vs \(Catalogue.placeholders(entry.id))")
        }
    }

    @Test("no key is in two areas of the catalogue, and every entry has a key")
    func noDuplicateKeys() {
        var seen = Set<MessageKey>()
        for area in Catalogue.areas {
            for key in area.keys {
                #expect(!seen.contains(key), "\(key.rawValue) is in two areas")
                seen.insert(key)
            }
        }
        #expect(seen.count == MessageKey.allCases.count)
    }

    @Test("the language comes from SIMPUL_LANG, else LC_ALL, LC_MESSAGES, LANG; English otherwise")
    func languageChoice() {
        #expect(Language(environment: [:]) == .en)
        #expect(Language(environment: ["LANG": "C.UTF-8"]) == .en)
        #expect(Language(environment: ["LANG": "C"]) == .en)
        #expect(Language(environment: ["LANG": "en_US.UTF-8"]) == .en)
        #expect(Language(environment: ["LANG": "id_ID.UTF-8"]) == .id)
        #expect(Language(environment: ["LANG": "id"]) == .id)
        #expect(Language(environment: ["LC_ALL": "C", "LANG": "id_ID.UTF-8"]) == .en)
        #expect(Language(environment: ["LC_MESSAGES": "id_ID.UTF-8", "LANG": "C"]) == .id)
        #expect(Language(environment: ["LC_ALL": "", "LC_MESSAGES": "id_ID.UTF-8"]) == .id)
        #expect(Language(environment: ["SIMPUL_LANG": "en", "LANG": "id_ID.UTF-8"]) == .en)
        #expect(Language(environment: ["SIMPUL_LANG": "id", "LC_ALL": "C"]) == .id)
        #expect(Language(environment: ["SIMPUL_LANG": "ID "]) == .id)
        #expect(Language(environment: ["SIMPUL_LANG": "fr", "LANG": "id_ID.UTF-8"]) == .id)
        #expect(Language(environment: ["SIMPUL_LANG": "klingon"]) == .en)
    }

    @Test("a message renders its placeholders and nested parts in either language")
    func rendering() {
        let what = Message(.whatPush, ["from": 1, "to": 7])
        let message = Message(.refusedHTTP, ["status": 409, "detail": "conflict: x"], parts: ["what": what])
        #expect(message.text(in: .en) == "push of seq 1-7: refused by the aggregator (HTTP 409): conflict: x")
        #expect(message.text(in: .id) == "push seq 1-7: ditolak oleh agregator (HTTP 409): conflict: x")
        #expect(Message.verbatim("as {is}").text(in: .id) == "as {is}")
    }

    @Test("a message survives JSON; an unknown key decodes as its English text")
    func coding() throws {
        let message = Message(.configMissing, ["path": "/etc/simpul/node.toml"], parts: ["x": Message(.syncAgain)])
        let data = try JSONEncoder().encode(message)
        #expect(try JSONDecoder().decode(Message.self, from: data) == message)
        let future = Data(#"{"key":"node.from_the_future","args":{"a":"b"},"text":"something new"}"#.utf8)
        #expect(try JSONDecoder().decode(Message.self, from: future) == .verbatim("something new"))
    }
}
