@testable import SimpulAggregator
import Testing

/// Every text of the dashboard exists in both languages (the switch makes a missing one a compile error; this checks
/// none is left empty or untranslated by copying the English).
@Suite struct DashboardTextTests {
    @Test func everyTextHasBothLanguages() {
        var untranslated = [String]()
        for key in DashboardText.allCases {
            #expect(!key.indonesian.isEmpty && !key.english.isEmpty, "\(key)")
            if key.indonesian == key.english { untranslated.append(key.english) }
        }
        // Words both languages share, as an Indonesian official writes them.
        #expect(Set(untranslated).isSubset(of: ["Kecamatan"]), "the same in both: \(untranslated)")
    }
}
