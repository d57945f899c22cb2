import Foundation

/// The files that change below a folder, as Linux's inotify tells them, in batches: a batch
/// closes once the folder has been quiet for ``quietPeriod``, so saving ten files at once (a
/// `git checkout`, an editor's "save all") is one batch, and one restart.
///
/// Every folder below the root is watched, and folders created later too, except those
/// ``WatchFilter`` leaves out. The watch runs on a thread of its own and stops when the stream's
/// reader stops listening.
public enum DirectoryWatch {
    /// How long the folder must be quiet before a batch is reported.
    public static let quietPeriod = Duration.milliseconds(250)

    /// Why a folder cannot be watched.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What went wrong.
        public let description: String
    }

    /// A watch that has started.
    public struct Started: Sendable {
        /// The batches of changed files (paths relative to the root) from now on.
        public let changes: AsyncStream<[String]>
        /// Folders below the root that could not be watched (inotify's limit of watches per
        /// user, `fs.inotify.max_user_watches`, reached; or no permission): changes there go unseen.
        public let unwatched: [String]
    }

    /// Watches `root` and the folders below it from now on.
    public static func start(under root: String) throws(Failure) -> Started {
        let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw Failure(description: "cannot start inotify: \(String(cString: strerror(errno)))") }
        guard let stop = Pipe.make() else {
            close(inotify)
            throw Failure(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        var watcher = InotifyTree(descriptor: inotify, root: root)
        // What is there now is not a change.
        var present: [String] = []
        guard watcher.add("", found: &present) else {
            close(inotify)
            close(stop.read)
            close(stop.write)
            throw Failure(description: "cannot watch \(root): \(String(cString: strerror(errno)))")
        }
        let unwatched = watcher.unwatched
        let (stream, continuation) = AsyncStream<[String]>.makeStream(bufferingPolicy: .bufferingNewest(16))
        continuation.onTermination = { _ in
            // Wakes the thread's poll; it closes both ends and the inotify descriptor.
            _ = write(stop.write, "x", 1)
        }
        let prepared = watcher
        DedicatedThread.start(named: "watch \(root)") {
            var watcher = prepared
            watcher.run(until: stop.read) { continuation.yield($0) }
            close(stop.read)
            close(stop.write)
            close(inotify)
            continuation.finish()
        }
        return Started(changes: stream, unwatched: unwatched)
    }
}

/// An inotify descriptor watching a folder tree: the folder of each watch, and the reading loop.
private struct InotifyTree {
    let descriptor: Int32
    let root: String
    /// The folder (relative to the root, "" for the root) of each watch descriptor.
    private var folders: [Int32: String] = [:]
    /// Folders that could not be watched.
    private(set) var unwatched: [String] = []

    /// Files written, moved in or out, deleted; folders created (to watch them too).
    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE)

    init(descriptor: Int32, root: String) {
        self.descriptor = descriptor
        self.root = root
    }

    /// Watches `folder` (relative) and every folder below it; false if `folder` itself cannot be
    /// watched. `found` collects the files already there (for a folder that appeared while
    /// watching, whose files may have been written before its watch was added).
    mutating func add(_ folder: String, found: inout [String]) -> Bool {
        let path = folder.isEmpty ? root : root + "/" + folder
        let watch = inotify_add_watch(descriptor, path, Self.mask)
        guard watch >= 0 else {
            unwatched.append(folder)
            return false
        }
        folders[watch] = folder
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for entry in entries {
            let child = folder.isEmpty ? entry : folder + "/" + entry
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + child, isDirectory: &isFolder) else { continue }
            if !isFolder.boolValue {
                if WatchFilter.counts(child) { found.append(child) }
            } else if WatchFilter.watchesFolder(child) {
                _ = add(child, found: &found)
            }
        }
        return true
    }

    /// Reads events until `stop` becomes readable, reporting each batch of changed files.
    mutating func run(until stop: Int32, report: ([String]) -> Void) {
        var batch: [String] = []
        let quiet = Int32(DirectoryWatch.quietPeriod.components.seconds * 1000
                          + DirectoryWatch.quietPeriod.components.attoseconds / 1_000_000_000_000_000)
        var streams = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
        while true {
            // Waits for ever while nothing is pending; once a change is, for the quiet period.
            let ready = poll(&streams, nfds_t(streams.count), batch.isEmpty ? -1 : quiet)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if streams[1].revents != 0 { return }
            if ready == 0 {
                report(batch)
                batch = []
                continue
            }
            for path in readEvents() where !batch.contains(path) { batch.append(path) }
        }
    }

    /// The changed files the pending events name; watches folders that appeared.
    private mutating func readEvents() -> [String] {
        var changed: [String] = []
        withUnsafeTemporaryAllocation(byteCount: 64 << 10, alignment: MemoryLayout<inotify_event>.alignment) { buffer in
            while true {
                let count = read(descriptor, buffer.baseAddress, buffer.count)
                guard count > 0 else { return }
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    let nameBytes = UnsafeRawBufferPointer(rebasing: buffer[nameStart..<nameStart + Int(event.len)])
                    let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                    offset = nameStart + Int(event.len)
                    // The folder is gone, and its watch with it.
                    if event.mask & UInt32(IN_IGNORED) != 0 { folders.removeValue(forKey: event.wd) }
                    guard let folder = folders[event.wd], !name.isEmpty else { continue }
                    let path = folder.isEmpty ? name : folder + "/" + name
                    if event.mask & UInt32(IN_ISDIR) != 0 {
                        if event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, WatchFilter.watchesFolder(path) {
                            _ = add(path, found: &changed)
                        }
                        continue
                    }
                    // A file created is reported when it is written and closed.
                    if event.mask & UInt32(IN_CREATE) != 0 { continue }
                    if WatchFilter.counts(path) { changed.append(path) }
                }
            }
        }
        return changed
    }
}
