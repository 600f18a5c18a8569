import TOMLKit

/// A configuration error that names the key, the value, where it came from and why it was refused.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: String?
    public var source: String
    public var reason: String

    public init(key: String, value: String?, source: String, reason: String) {
        self.key = key
        self.value = value
        self.source = source
        self.reason = reason
    }

    public var description: String {
        "\(source): '\(key)'" + (value.map { " = \($0)" } ?? "") + ": \(reason)"
    }
}

/// Settings read from a TOML file, overlaid by environment variables: defaults -> file -> environment.
///
/// Keys are dotted (`sync.interval_seconds`); the environment variable for a key is the prefix plus the key
/// upper-cased with dots as underscores (`SIMPUL_SYNC_INTERVAL_SECONDS`). Pure: the caller reads the file.
public struct Settings: Sendable {
    private struct Value: Sendable {
        var text: String
        var int: Int?
        var bool: Bool?
        var isString: Bool
        var source: String
    }

    private var values: [String: Value] = [:]
    public let source: String

    public init(toml: String, source: String, environment: [String: String] = [:], prefix: String = "SIMPUL_",
                knownKeys: Set<String>) throws(ConfigError) {
        self.source = source
        let table: TOMLTable
        do {
            table = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw ConfigError(
                key: "(file)", value: nil, source: "\(source) line \(error.source.begin.line)",
                reason: "is not valid TOML: \(error.description)")
        } catch {
            throw ConfigError(key: "(file)", value: nil, source: source, reason: "is not valid TOML")
        }
        try flatten(table, prefix: "", into: &values)
        if let unknown = values.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            throw ConfigError(
                key: unknown, value: values[unknown]?.text, source: source,
                reason: "is not a known setting (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        for key in knownKeys {
            let variable = prefix + key.uppercased().replacingOccurrences(of: ".", with: "_")
            if let text = environment[variable] {
                values[key] = Value(text: text, int: Int(text), bool: Self.parseBool(text), isString: true, source: "environment \(variable)")
            }
        }
    }

    private func flatten(_ table: TOMLTable, prefix: String, into values: inout [String: Value]) throws(ConfigError) {
        for key in table.keys {
            guard let value = table[key] else { continue }
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value.table {
                try flatten(nested, prefix: name, into: &values)
            } else if let bool = value.bool {
                values[name] = Value(text: String(bool), int: nil, bool: bool, isString: false, source: source)
            } else if let int = value.int {
                values[name] = Value(text: String(int), int: int, bool: nil, isString: false, source: source)
            } else if let string = value.string {
                values[name] = Value(text: string, int: nil, bool: nil, isString: true, source: source)
            } else {
                throw ConfigError(key: name, value: nil, source: source, reason: "must be a string, a whole number or true/false")
            }
        }
    }

    private static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes": true
        case "false", "0", "no": false
        default: nil
        }
    }

    public func string(_ key: String, default fallback: String) throws(ConfigError) -> String {
        guard let value = values[key] else { return fallback }
        guard value.isString else {
            throw ConfigError(key: key, value: value.text, source: value.source, reason: "must be a string (in double quotes)")
        }
        return value.text
    }

    public func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let value = values[key] else { return fallback }
        guard let int = value.int else {
            throw ConfigError(key: key, value: value.text, source: value.source, reason: "must be a whole number")
        }
        guard range.contains(int) else {
            throw ConfigError(
                key: key, value: value.text, source: value.source,
                reason: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return int
    }

    public func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let value = values[key] else { return fallback }
        guard let bool = value.bool else {
            throw ConfigError(key: key, value: value.text, source: value.source, reason: "must be true or false")
        }
        return bool
    }

    /// Where a key's value came from (the file, the environment, or nil for the default).
    public func origin(of key: String) -> String? { values[key]?.source }
}
