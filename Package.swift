// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "apphost",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "apphost", targets: ["AppHost"]),
        .library(name: "Resources", targets: ["Resources"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // The declarative application model: pure logic, no sockets, no processes, no files.
        .target(
            name: "Resources",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // The `apphost` command line: wires the libraries to the file system and the terminal.
        .executableTarget(
            name: "AppHost",
            dependencies: [
                "Resources",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ResourcesTests", dependencies: ["Resources"]),
        .testTarget(name: "AppHostTests", dependencies: ["AppHost", "Resources"]),
    ]
)
