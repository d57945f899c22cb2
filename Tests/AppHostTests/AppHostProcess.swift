import Foundation
import Testing

/// Runs the built `apphost` executable, as a user would, and captures what it prints.
struct AppHostProcess {
    /// The result of one run.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `apphost` beside the test bundle in the build folder.
    static var executable: URL {
        if let override = ProcessInfo.processInfo.environment["APPHOST_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On Linux the tests run from `<build>/debug/<package>PackageTests.xctest`.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("apphost").path), folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("apphost")
    }

    /// The fixtures folder, `Tests/Fixtures`.
    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    /// The repository's root.
    static var repository: URL {
        fixtures.deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `apphost ARGUMENTS` in `folder` with extra environment variables.
    static func run(_ arguments: [String], in folder: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder ?? repository
        var variables = ProcessInfo.processInfo.environment
        variables["NO_COLOR"] = "1"
        variables.merge(environment) { $1 }
        process.environment = variables
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes before waiting, so a full pipe cannot block the child.
        let stdout = PipeReader(output.fileHandleForReading)
        let stderrData = error.fileHandleForReading.readDataToEndOfFile()
        let stdoutData = stdout.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// A socket listening on a free port of 127.0.0.1, for tests of "port in use"; the caller closes it.
    static func listeningSocket() throws -> (descriptor: Int32, port: Int) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 1) == 0 else {
            close(listener)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot listen on 127.0.0.1"])
        }
        return (listener, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A fresh temporary folder holding `files` (name → contents), removed by the caller.
    static func temporaryFolder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("apphost-test-\(UUID().uuidString)")
        for (name, contents) in files {
            let file = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: file, atomically: true, encoding: .utf8)
        }
        return folder
    }
}

/// Reads a pipe to its end on another thread.
private final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything the pipe delivered; `data` is only read after the reader signalled.
    func wait() -> Data {
        done.wait()
        return data
    }
}
