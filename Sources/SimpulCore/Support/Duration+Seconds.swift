extension Duration {
    /// The duration as seconds, for measures and rates.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
