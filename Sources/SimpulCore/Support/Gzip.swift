import CZlib
import Foundation

/// gzip for push bodies, over the system zlib. Inflation is bounded, so a small body cannot expand
/// into unbounded memory.
public enum Gzip {
    /// Why a body could not be inflated.
    public enum Failure: Error, Sendable, Equatable {
        case corrupt(String)
        case truncated
        case tooLarge(limit: Int)
    }

    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    public static func compress(_ input: Data, level: Int32 = 6) -> Data {
        var stream = z_stream()
        guard simpul_deflate_init_gzip(&stream, level) == Z_OK else { return Data() }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var produced = 0
        input.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            output.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
                stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(dst.count)
                _ = deflate(&stream, Z_FINISH)
                produced = Int(stream.total_out)
            }
        }
        output.count = produced
        return output
    }

    public static func decompress(_ input: Data, maxOutput: Int) throws(Failure) -> Data {
        var stream = z_stream()
        guard simpul_inflate_init_gzip(&stream) == Z_OK else { throw .corrupt("zlib could not start") }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var failure: Failure?
        input.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(src.count)
            repeat {
                let before = stream.total_out
                chunk.withUnsafeMutableBufferPointer { buf in
                    stream.next_out = buf.baseAddress
                    stream.avail_out = uInt(buf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                }
                let made = Int(stream.total_out - before)
                if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                    failure = .corrupt(stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
                    return
                }
                if output.count + made > maxOutput {
                    failure = .tooLarge(limit: maxOutput)
                    return
                }
                output.append(contentsOf: chunk[0..<made])
                if status == Z_BUF_ERROR && made == 0 {
                    failure = .truncated
                    return
                }
            } while status != Z_STREAM_END
        }
        if let failure { throw failure }
        guard stream.avail_in == 0 else { throw .corrupt("trailing data after the gzip stream") }
        return output
    }
}
