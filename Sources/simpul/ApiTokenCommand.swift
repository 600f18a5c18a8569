import ArgumentParser
import SimpulCore
import Foundation
import SimpulNode

struct ApiTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-token",
        abstract: tr(.helpApiToken),
        discussion: """
            The token lives in api.token in the data directory, readable by the node's owner and group. A front-desk
            application's installer, run as root or as a member of that group, reads it from there or from this
            command. After --rotate the old token is refused at once; give the new one to every application.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Replace the token with a new one.") var rotate = false
    @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let config = try Output.loadConfig(global)
            let token: String
            if rotate {
                token = try LocalAPIToken.rotate(config)
            } else {
                guard let current = LocalAPIToken.read(config) else {
                    throw NodeError(.keys, Message(.apiTokenUnreadable, ["path": config.apiTokenPath]), hint: Message(.apiTokenUnreadableHint))
                }
                token = current
            }
            if json {
                Output.json(["token": token, "file": config.apiTokenPath, "rotated": rotate ? "true" : "false"])
            } else {
                Output.line(token)
            }
        }
    }
}
