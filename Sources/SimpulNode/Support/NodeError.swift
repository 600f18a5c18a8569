import SimpulCore

/// Every failure the node reports to an operator: what happened, with context, what to do about it, and
/// whether retrying later can help (a dead link) or not (a refused batch, a fork).
public struct NodeError: Error, Sendable, CustomStringConvertible {
    /// The class of failure. A struct rather than an enum, so new codes don't break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        public var description: String { raw }

        init(raw: String) { self.raw = raw }

        public static let usage = Code(raw: "usage")
        public static let config = Code(raw: "config")
        public static let notInitialized = Code(raw: "not_initialized")
        public static let alreadyInitialized = Code(raw: "already_initialized")
        public static let storage = Code(raw: "storage")
        public static let invalidEvent = Code(raw: "invalid_event")
        public static let keys = Code(raw: "keys")
        public static let corruptLog = Code(raw: "corrupt_log")
        public static let unreachable = Code(raw: "unreachable")
        public static let serverError = Code(raw: "server_error")
        public static let refused = Code(raw: "refused")
        public static let fork = Code(raw: "fork")
        public static let revoked = Code(raw: "revoked")
        public static let busy = Code(raw: "busy")
        public static let incomplete = Code(raw: "incomplete")
        /// A rebuilt node waits for its log to come back from the province before it records.
        public static let rebuildPending = Code(raw: "rebuild_pending")

        static let all: [Code] = [
            .usage, .config, .notInitialized, .alreadyInitialized, .storage, .invalidEvent, .keys, .corruptLog,
            .unreachable, .serverError, .refused, .fork, .revoked, .busy, .incomplete, .rebuildPending,
        ]

        /// The code with this name (as reports and the control socket carry it); `.refused` for an unknown one.
        public init(named name: String?) {
            self = Code.all.first(where: { $0.raw == name }) ?? Code.refused
        }
    }

    public let code: Code
    /// What happened, with its context, as a catalogue message: rendered in the reader's language where shown.
    public let text: Message
    /// What to do about it.
    public let hintText: Message?

    public init(_ code: Code, _ text: Message, hint: Message? = nil) {
        self.code = code
        self.text = text
        self.hintText = hint
    }

    /// Text outside the catalogue (an older daemon's answer, a server's detail): shown as it is in every language.
    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.init(code, .verbatim(message), hint: hint.map(Message.verbatim))
    }

    /// The English message: what logs, the stored last error and the JSON `error` fields keep.
    public var message: String { text.english }
    /// The English hint.
    public var hint: String? { hintText?.english }

    /// A dead link, a 5xx or a busy lock may clear by itself; everything else needs a change first.
    public var isRetryable: Bool { [.unreachable, .serverError, .busy, .incomplete].contains(code) }

    /// The process exit status for this failure (documented in docs/operations.md).
    public var exitCode: Int32 {
        switch code {
        case .usage, .invalidEvent, .config: 2
        case .unreachable, .serverError, .incomplete: 3
        case .refused, .revoked, .rebuildPending: 4
        case .fork: 5
        case .corruptLog: 6
        case .busy: 7
        default: 1
        }
    }

    public var description: String { message + (hint.map { "\nhint: \($0)" } ?? "") }

    /// `what` names the database operation (`.opReadSyncState`).
    static func storage(_ what: MessageKey, path: String, _ error: any Error) -> NodeError {
        NodeError(.storage, Message(.storageFailed, ["path": path, "error": "\(error)"], parts: ["what": Message(what)]),
                  hint: Message(.storageFailedHint))
    }
}
