import Foundation

/// A case figure as the figure tables keep it: one line of fields separated by U+001F (no field a node can write
/// holds it: codes and ids are checked tokens), read back without a JSON decoder. The export of every case and each
/// figure update read many of these.
extension CaseFigure {
    static let separator: Character = "\u{1F}"
    static let recordVersion = "f1"

    public var record: String {
        func opt<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "" }
        func flag(_ value: Bool?) -> String { value.map { $0 ? "1" : "0" } ?? "" }
        return [
            Self.recordVersion, caseNode, caseID, service, kecamatan, opt(desa), state, flag(received), flag(responded), opt(provider),
            String(openedDay), String(openedEpoch), opt(minutesToReferral), opt(minutesToResponse), opt(minutesToClose),
            flag(closedWithinTarget), opt(responseDueDay), String(anomalies), flag(timeAnomaly),
        ].joined(separator: String(Self.separator))
    }

    /// Reads a record (or a figure stored as JSON by an earlier build); nil if it is neither.
    public init?(record: String) {
        if record.hasPrefix("{") {
            guard let figure = try? JSONDecoder().decode(CaseFigure.self, from: Data(record.utf8)) else { return nil }
            self = figure
            return
        }
        let f = record.split(separator: Self.separator, omittingEmptySubsequences: false).map(String.init)
        guard f.count == 19, f[0] == Self.recordVersion, let openedDay = Int(f[10]), let openedEpoch = Int64(f[11]),
              let anomalies = Int(f[17]) else { return nil }
        func opt(_ text: String) -> String? { text.isEmpty ? nil : text }
        func flag(_ text: String) -> Bool? { text.isEmpty ? nil : text == "1" }
        caseNode = f[1]
        caseID = f[2]
        service = f[3]
        kecamatan = f[4]
        desa = opt(f[5])
        state = f[6]
        received = f[7] == "1"
        responded = f[8] == "1"
        provider = opt(f[9])
        self.openedDay = openedDay
        self.openedEpoch = openedEpoch
        minutesToReferral = Int64(f[12])
        minutesToResponse = Int64(f[13])
        minutesToClose = Int64(f[14])
        closedWithinTarget = flag(f[15])
        responseDueDay = Int(f[16])
        self.anomalies = anomalies
        timeAnomaly = f[18] == "1"
    }
}
