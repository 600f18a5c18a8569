import SimpulCore

extension AggregatorError {
    /// The failure as `--json` prints it on stdout. The type follows the exit status: `usage` (2: invalid input,
    /// usage or config), `corrupt` (6: a stored log or a copy that does not verify), `failed` (anything else).
    public var problem: CommandProblem {
        let (type, title) = switch exitCode {
        case 2: ("usage", "Invalid input or usage")
        case 6: ("corrupt", "Stored log damaged")
        default: ("failed", "Command failed")
        }
        return CommandProblem(type: type, title: title, message: text, hint: hintText, exitCode: exitCode)
    }
}
