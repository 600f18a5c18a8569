import Foundation
import Logging
import ServiceLifecycle
import SimpulCore

/// The daemon's control socket (Unix, mode 0600): `sync_now`, `status`, `record` and `nudge`, one JSON
/// line each way. Accepting blocks, so it runs on its own thread; each connection is handled in a task
/// of this service's task group.
struct ControlServer: Service, CustomStringConvertible {
    let listenFD: Int32
    let path: String
    let driver: SyncDriver
    let context: NodeContext
    let recorder: Recorder

    /// ServiceLifecycle keeps `"\(service)"` as the service's name for the daemon's lifetime; without this it
    /// would be a reflection dump of the context and recorder (the event rules with the wilayah tables, MBs).
    var description: String { "ControlServer(\(path))" }

    /// Binds the socket at `path` (replacing a stale one), mode 0600.
    static func bind(path: String) throws(NodeError) -> Int32 {
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        if let fd = try? UnixSocket.connect(path: path) {
            close(fd)
            throw NodeError(.busy, Message(.daemonAlreadyRunning, ["path": path]), hint: Message(.daemonAlreadyRunningHint))
        }
        unlink(path)
        do {
            var addr = try UnixSocket.address(path)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw UnixSocket.Failure(description: "socket(): \(String(cString: strerror(errno)))") }
            let previous = umask(0o177)
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            umask(previous)
            guard rc == 0, chmod(path, 0o600) == 0, listen(fd, 16) == 0 else {
                let message = String(cString: strerror(errno))
                close(fd)
                throw UnixSocket.Failure(description: "bind/listen \(path): \(message)")
            }
            return fd
        } catch let error as NodeError {
            throw error
        } catch {
            throw NodeError(.storage, Message(.controlSocketFailed, ["error": "\(error)"]), hint: Message(.controlSocketFailedHint, ["dir": dir]))
        }
    }

    func run() async throws {
        await SocketAcceptor.serve(listenFD: listenFD) { client in
            let line: Data? = await SocketAcceptor.blocking {
                UnixSocket.readLine(client, deadline: .now + SocketAcceptor.requestDeadline)
            }
            let answer = await respond(to: line)
            await SocketAcceptor.reply(client, answer + Data("\n".utf8))
        }
        unlink(path)
    }

    func respond(to line: Data?) async -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func encoded<T: Encodable>(_ value: T) -> Data { (try? encoder.encode(value)) ?? Data("{}".utf8) }
        func failure(_ error: NodeError) -> Data {
            encoded(ControlRefusal(error))
        }
        guard let line, let request = try? JSONDecoder().decode(ControlRequest.self, from: line) else {
            return failure(NodeError(.usage, Message(.controlNotJSON)))
        }
        if let node = request.node, node != context.config.nodeID {
            return failure(NodeError(.config, Message(.controlWrongNode, ["path": path, "served": context.config.nodeID, "node": node]),
                                     hint: Message(.controlWrongNodeHint)))
        }
        switch request.command {
        case "sync_now":
            return encoded(await driver.requestSync(waitSeconds: request.waitSeconds))
        case "status":
            // SQLite work runs off Swift's thread pool: a long import holding the write lock must not stall the daemon.
            let context = context
            let result = await SocketAcceptor.blocking { () -> Result<NodeStatusReport, NodeError> in
                Result { () throws(NodeError) in try NodeStatusReport.read(context, daemonRunning: true) }
            }
            switch result {
            case .success(let report): return encoded(report)
            case .failure(let error): return failure(error)
            }
        case "nudge":
            await driver.localChange()
            return Data(#"{"ok":true}"#.utf8)
        case "record":
            // The same parser as `record --file` and the local API: the same input gets the same answer.
            let events: [[String: JSONValue]]
            do {
                guard case .object(let request) = try JSONParser.parse(line), case .array(let items)? = request["events"] else {
                    throw ValidationError(field: "events", value: nil, reason: "is required: [ {...}, ... ]")
                }
                events = try EventInput.objects(in: items)
            } catch let error as ValidationError {
                return failure(NodeError(.usage, Message(.controlRecordInvalid, parts: ["error": error.text])))
            } catch {
                return failure(NodeError(.usage, Message(.controlRecordNotJSON, ["error": "\(error)"])))
            }
            switch await recorder.recordOffPool(objects: events) {
            case .success(let entries):
                await driver.localChange()
                return encoded(LocalRecordAnswer(ok: true, recorded: entries.count, events: entries))
            case .failure(let error):
                return failure(error)
            }
        default:
            return failure(NodeError(.usage, Message(.controlUnknownCommand, ["command": request.command])))
        }
    }
}

/// The answer to a `record` request on the control socket.
struct LocalRecordAnswer: Encodable {
    var ok: Bool
    var recorded: Int
    var events: [AppendedEntry]
}
