/// What this build is: its version (also `--version` of both programs) and the sync protocol it speaks.
public enum BuildInfo {
    public static let version = "0.13.0"
    public static let protocolVersion = SimpulProtocol.version
}
