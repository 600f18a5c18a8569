/// The services an office can record, as data a province edits (`config/services.csv`), not code.
public struct ServiceCatalogue: Sendable {
    /// One service: its namespaced code, name, category, and service-standard target in days.
    public struct Service: Sendable, Equatable {
        public var code: String
        public var name: String
        public var category: String
        public var targetDays: Int
    }

    public let services: [String: Service]
    /// Codes in file order, for listings.
    public let codes: [String]

    /// The catalogue shipped with the program.
    public static let shipped: ServiceCatalogue = {
        do { return try ServiceCatalogue(csv: EmbeddedCatalogue.csv, source: "built-in catalogue") } catch {
            preconditionFailure("the built-in catalogue is invalid: \(error)")
        }
    }()

    /// Parses the CSV (`code,name,category,target_days`; `#` comments); errors name the source and line.
    public init(csv: String, source: String) throws(ValidationError) {
        var services = [String: Service]()
        var codes = [String]()
        var sawHeader = false
        for (index, raw) in csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: " \r\t")
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !sawHeader {
                sawHeader = true
                guard line == "code,name,category,target_days" else {
                    throw ValidationError(
                        field: "catalogue", value: source,
                        reason: "line \(index + 1) must be the header 'code,name,category,target_days'")
                }
                continue
            }
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 4, Self.isCodeShaped(f[0]), let days = Int(f[3]), days >= 0 else {
                throw ValidationError(
                    field: "catalogue", value: source,
                    reason: "line \(index + 1) must be code,name,category,target_days with a code like ADM.KTPEL and whole days")
            }
            guard services[f[0]] == nil else {
                throw ValidationError(field: "catalogue", value: source, reason: "line \(index + 1) repeats code \(f[0])")
            }
            services[f[0]] = Service(code: f[0], name: f[1], category: f[2], targetDays: days)
            codes.append(f[0])
        }
        guard !services.isEmpty else {
            throw ValidationError(field: "catalogue", value: source, reason: "lists no services")
        }
        self.services = services
        self.codes = codes
    }

    /// Upper-case segments of letters, digits and `_`, joined by dots: `PATEN.NP.SKTM`.
    public static func isCodeShaped(_ code: String) -> Bool {
        guard !code.isEmpty, code.count <= 64, !code.hasPrefix("."), !code.hasSuffix("."), !code.contains("..") else {
            return false
        }
        return code.utf8.allSatisfy { c in
            (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
        }
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var slice = Substring(self)
        while let first = slice.first, chars.contains(first) { slice.removeFirst() }
        while let last = slice.last, chars.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
