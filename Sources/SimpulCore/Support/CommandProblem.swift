/// What a command prints on stdout instead of its result when it fails and `--json` was given: one JSON object in
/// the spirit of the HTTP API's problem bodies (docs/protocol.md), with the command's exit status.
///
/// `type` is a stable class (`not_initialized`, `usage`, `unreachable`, ... for the node; `usage`, `failed`,
/// `corrupt` for the aggregator), `detail` and `hint` the English texts, `message` and `hint_message` the same as
/// catalogue keys with their arguments. Keys and values are English whatever the language of the terminal.
public struct CommandProblem: Encodable, Sendable {
    public var type: String
    public var title: String
    public var detail: String
    public var hint: String?
    public var exitCode: Int32
    public var message: Message
    public var hintMessage: Message?

    enum CodingKeys: String, CodingKey {
        case type, title, detail, hint, message
        case exitCode = "exit_code"
        case hintMessage = "hint_message"
    }

    public init(type: String, title: String, message: Message, hint: Message?, exitCode: Int32) {
        self.type = type
        self.title = title
        self.detail = message.english
        self.hint = hint?.english
        self.exitCode = exitCode
        self.message = message
        self.hintMessage = hint
    }

    /// Every key is always present (`null` when there is no hint): scripts rely on the field list.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(title, forKey: .title)
        try c.encode(detail, forKey: .detail)
        try c.encode(hint, forKey: .hint)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(message, forKey: .message)
        try c.encode(hintMessage, forKey: .hintMessage)
    }
}
