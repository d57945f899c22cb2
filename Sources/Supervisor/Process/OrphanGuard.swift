import Foundation

/// A tiny watchdog process that kills every process group apphost started if apphost dies,
/// even by SIGKILL, when nothing in apphost can run any more.
///
/// The guard is `/bin/sh` reading a pipe whose write end only apphost holds (it closes on exec,
/// so no child inherits it). apphost writes `+PGID` when a group starts and `-PGID` when it is
/// gone. When the pipe reaches end of file — apphost closed it or died — the guard sends
/// SIGKILL to the groups still listed and exits. It runs in a process group of its own and
/// ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT, so Ctrl-C in the terminal does not end it first.
final class OrphanGuard: Sendable {
    /// The guard's own process id.
    let pid: pid_t
    private let channel: Int32

    /// The guard's shell program.
    static let script = """
        trap '' INT TERM HUP QUIT
        groups=' '
        while IFS= read -r line; do
          case "$line" in
            +*) groups="$groups${line#+} " ;;
            -*) g=${line#-}
                case "$groups" in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;
          esac
        done
        for g in $groups; do kill -KILL -"$g" 2>/dev/null; done
        """

    /// Starts the guard.
    init() throws(LaunchFailure) {
        guard let pipe = Pipe.make() else { throw LaunchFailure(description: "cannot create the orphan guard's pipe") }
        let launched: LaunchedProcess
        do {
            launched = try ProcessLauncher.launch(path: "/bin/sh", arguments: ["sh", "-c", Self.script, "apphost-orphan-guard"],
                                                  environment: ["PATH=/usr/bin:/bin"], directory: "/", standardInput: pipe.read)
        } catch {
            close(pipe.read)
            close(pipe.write)
            throw error
        }
        close(pipe.read)
        // The guard prints nothing; its pipes are closed so they cannot fill.
        close(launched.standardOutput)
        close(launched.standardError)
        pid = launched.pid
        channel = pipe.write
    }

    /// Puts the group led by `group` under the guard.
    func adopt(_ group: pid_t) { send("+\(group)\n") }

    /// Takes the group led by `group` off the guard's list: it is gone.
    func release(_ group: pid_t) { send("-\(group)\n") }

    /// Closes the pipe (the guard kills what is still listed, normally nothing) and reaps it.
    func finish() async {
        close(channel)
        _ = await ProcessControl.waitForExit(pid)
    }

    private func send(_ line: String) {
        var bytes = Array(line.utf8)
        // Lines are far shorter than PIPE_BUF, so each write is atomic and whole.
        _ = bytes.withUnsafeMutableBytes { write(channel, $0.baseAddress, $0.count) }
    }
}
