import Foundation
import SimpulCore

/// Decodes a batch's entries and checks their events on every core: the per-entry work of ingest that does
/// not depend on the entry before it. The hash chain is then walked in order, cheaply.
enum ParallelDecoder {
    /// One entry's decoded content (or why it could not be decoded) and its event's validity.
    struct Decoded: Sendable {
        var content: Result<LogEntry.Content, ValidationError>
        var ruleViolation: ValidationError?
    }

    static func decode(_ entries: [Data], rules: EventRules) -> [Decoded] {
        let count = entries.count
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / 200))
        let results = UnsafeMutableBufferPointer<Decoded>.allocate(capacity: count)
        defer { results.deallocate() }
        let shared = SendableBuffer(pointer: results)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = count * chunk / chunks
            let upper = count * (chunk + 1) / chunks
            for i in lower..<upper {
                let decoded: Decoded
                do {
                    let content = try LogEntry(seq: 0, bytes: entries[i]).decode()
                    var violation: ValidationError?
                    do throws(ValidationError) { try rules.check(content.event) } catch { violation = error }
                    decoded = Decoded(content: .success(content), ruleViolation: violation)
                } catch let error as ValidationError {
                    decoded = Decoded(content: .failure(error), ruleViolation: nil)
                } catch {
                    decoded = Decoded(content: .failure(ValidationError(field: "(entry)", value: nil, reason: "\(error)")), ruleViolation: nil)
                }
                (shared.pointer.baseAddress! + i).initialize(to: decoded)
            }
        }
        let out = Array(results)
        _ = results.baseAddress.map { $0.deinitialize(count: count) }
        return out
    }

    /// Each chunk writes only its own indices, so sharing the buffer across the workers is safe.
    private struct SendableBuffer: @unchecked Sendable {
        let pointer: UnsafeMutableBufferPointer<Decoded>
    }
}
