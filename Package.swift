// swift-tools-version:6.0
import PackageDescription

// Warnings are errors in CI: strict concurrency is on by default in the Swift 6 language mode.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// The shipped release build (static Swift runtime, lld, the daemon's function order, packed relocations) is made by
// scripts/build-release.sh, which checks the ordering file is not stale; plain `swift build` here stays untuned.

let package = Package(
    name: "simpul",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "simpul", targets: ["simpul"]),
        .executable(name: "simpul-aggregator", targets: ["simpul-aggregator"]),
        .library(name: "SimpulCore", targets: ["SimpulCore"]),
        .library(name: "SimpulNode", targets: ["SimpulNode"]),
        .library(name: "SimpulAggregator", targets: ["SimpulAggregator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the tree through Hummingbird; named for NIOHTTPTypes (the aggregator's request deadline handler).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // The aggregator's second backend (several replicas on one PostgreSQL): brings swift-nio-ssl, about 8 min of a clean build.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // /metrics: swift-metrics (already in the tree through Hummingbird and postgres-nio) with the Prometheus
        // registry and text exposition of swift-prometheus (small: swift-metrics and swift-atomics only).
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // libcurl (system, libcurl4-openssl-dev) behind typed wrappers for its variadic setopt/getinfo.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // zlib (system, zlib1g-dev) for gzip request bodies; deflateInit2/inflateInit2 are macros, wrapped.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // systemd integration without libsystemd: sd_notify, the watchdog, journald-friendly log lines.
        .target(
            name: "SimpulSystemd",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SimpulCore",
            dependencies: [
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SimpulNode",
            dependencies: [
                "SimpulCore", "SimpulSystemd", "CCurl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SimpulAggregator",
            dependencies: [
                "SimpulCore", "SimpulSystemd",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "simpul",
            dependencies: [
                "SimpulNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "simpul-aggregator",
            dependencies: [
                "SimpulAggregator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "simpul-bench",
            dependencies: [
                "SimpulNode", "SimpulAggregator",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The load harness: its HTTP client, and the PostgreSQL baseline.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "SimpulCoreTests", dependencies: ["SimpulCore"], swiftSettings: strict),
        .testTarget(
            name: "SimpulNodeTests",
            dependencies: ["SimpulNode", "SimpulSystemd", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SimpulAggregatorTests",
            dependencies: [
                "SimpulAggregator", "SimpulNode",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SimpulEndToEndTests",
            dependencies: ["SimpulCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
    ]
)
