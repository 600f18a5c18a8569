import SimpulCore

extension NodeError {
    /// The failure as `--json` prints it on stdout: `type` is the code, `title` a fixed English phrase for it.
    public var problem: CommandProblem {
        CommandProblem(type: code.description, title: Self.titles[code] ?? "Failed", message: text, hint: hintText, exitCode: exitCode)
    }

    static let titles: [Code: String] = [
        .usage: "Invalid usage", .config: "Invalid configuration", .notInitialized: "Node not set up",
        .alreadyInitialized: "Node already set up", .storage: "Storage failure", .invalidEvent: "Invalid event",
        .keys: "Key problem", .corruptLog: "Log damaged", .unreachable: "Aggregator unreachable",
        .serverError: "Aggregator error", .refused: "Refused by the aggregator", .fork: "Forked log", .revoked: "Node revoked",
        .busy: "Another sync is running", .incomplete: "Sync incomplete", .rebuildPending: "Rebuild pending",
    ]
}
