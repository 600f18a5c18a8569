/// A message a person reads, as a catalogue key and the values of its placeholders; rendered in a language only
/// where it is shown.
///
/// It travels as `{"key": "...", "args": {...}, "text": "English text"}` (the daemon's control socket carries it),
/// so the daemon, which runs without the operator's locale, never has to know the operator's language. A reader
/// that does not know the key (an older program) shows `text`. The English rendering is the stable text that
/// logs, stored state and the JSON `error`/`hint` fields keep.
public struct Message: Sendable, Equatable, Codable, CustomStringConvertible {
    public let key: MessageKey
    /// Placeholder name -> value, already formatted (paths, node ids, seq numbers: never translated).
    public let args: [String: String]
    /// Placeholders filled with other catalogue messages (an operation's name inside an error), rendered in the
    /// same language.
    public let parts: [String: Message]

    public init(_ key: MessageKey, _ args: KeyValuePairs<String, any CustomStringConvertible> = [:], parts: [String: Message] = [:]) {
        self.key = key
        var values = [String: String]()
        for (name, value) in args { values[name] = value.description }
        self.args = values
        self.parts = parts
    }

    /// Text outside the catalogue (a server's problem detail, an older daemon's answer): shown as it is.
    public static func verbatim(_ text: String) -> Message { Message(.verbatim, ["text": text]) }

    /// The text in `language` (the process's own by default).
    public func text(in language: Language = .current) -> String {
        var values = args
        for (name, part) in parts { values[name] = part.text(in: language) }
        return Catalogue.render(Catalogue.template(key, language), values)
    }

    /// The English text: what logs and stored state keep.
    public var english: String { text(in: .en) }

    public var description: String { english }

    enum CodingKeys: String, CodingKey { case key, args, parts, text }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let args = try c.decodeIfPresent([String: String].self, forKey: .args) ?? [:]
        let parts = (try? c.decodeIfPresent([String: Message].self, forKey: .parts)) ?? [:]
        if let key = MessageKey(rawValue: try c.decode(String.self, forKey: .key)) {
            self.key = key
            self.args = args
            self.parts = parts
        } else {
            self = .verbatim(try c.decode(String.self, forKey: .text))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key.rawValue, forKey: .key)
        try c.encode(args, forKey: .args)
        if !parts.isEmpty { try c.encode(parts, forKey: .parts) }
        try c.encode(english, forKey: .text)
    }
}
