// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "apphost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "apphost", targets: ["AppHost"]),
        .executable(name: "emulator-benchmark", targets: ["EmulatorBenchmark"]),
        .executable(name: "supervisor-benchmark", targets: ["SupervisorBenchmark"]),
        .executable(name: "loopback-ceiling", targets: ["LoopbackCeiling"]),
        .library(name: "Resources", targets: ["Resources"]),
        .library(name: "Supervisor", targets: ["Supervisor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // The declarative application model: pure logic, no sockets, no processes, no files.
        .target(name: "Access"),
        .target(
            name: "Resources",
            dependencies: ["Access", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Identity",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Azure SignalR Service emulator (serverless mode): transports, hub protocols,
        // REST API, upstream, introspection. Knows nothing of apphost.yaml.
        .target(
            name: "Emulator",
            dependencies: [
                "Access",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // posix_spawn with the glibc extensions Swift cannot import (chdir, closefrom).
        .target(name: "CProcessSpawn"),
        // Running processes: spawn, health probes, restart policy, log multiplexing, ordered
        // shutdown and the orphan guard. Knows nothing of SignalR or apphost.yaml.
        .target(
            name: "Supervisor",
            dependencies: [
                "CProcessSpawn",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The dashboard `apphost run` serves: resources, logs and each emulator's hubs, live.
        // Knows nothing of apphost.yaml or of processes: the command line feeds it.
        .target(
            name: "Dashboard",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // OpenTelemetry for `apphost run`: the OTLP/HTTP receiver (protobuf, from definitions
        // generated once and committed, and JSON), the bounded store and its queries.
        .target(
            name: "Telemetry",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["Protos"]
        ),
        // The `apphost` command line: wires the libraries to the file system and the terminal.
        .executableTarget(
            name: "AppHost",
            dependencies: [
                "Access",
                "Resources",
                "Emulator",
                "Identity",
                "Supervisor",
                "Dashboard",
                "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
        // Supervisor figures: start-to-ready, log throughput beside honcho, idle CPU.
        .executableTarget(
            name: "SupervisorBenchmark",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/SupervisorBenchmark"
        ),
        // The floor under the fan-out figure: loopback TCP alone, writer and reader on these cores.
        .target(name: "CEpoll", path: "Benchmarks/CEpoll"),
        .executableTarget(
            name: "LoopbackCeiling",
            dependencies: ["CEpoll", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/LoopbackCeiling"
        ),
        // Load generator for the emulator (BENCHMARKS.md): fan-out, send-to-user, idle memory.
        .executableTarget(
            name: "EmulatorBenchmark",
            dependencies: [
                "Emulator",
                "Telemetry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/EmulatorBenchmark"
        ),
        .testTarget(name: "ResourcesTests", dependencies: ["Resources", "Access"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity", "Emulator", "Access"]),
        .testTarget(name: "EmulatorTests", dependencies: [
            "Emulator",
            "Telemetry",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"]),
        .testTarget(name: "AppHostTests", dependencies: ["AppHost", "Resources", .product(name: "MCP", package: "swift-sdk")]),
        .testTarget(name: "DashboardTests", dependencies: [
            "Dashboard",
            "Emulator",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    ]
)
