import ArgumentParser
import SimpulCore
import Foundation
import SimpulNode

struct ApiTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-token",
        abstract: tr(.helpApiToken),
        discussion: tr(.discApiToken))

    @OptionGroup var global: GlobalOptions
    @Flag(help: ArgumentHelp(tr(.optRotate))) var rotate = false
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
