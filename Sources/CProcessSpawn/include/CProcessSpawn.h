#ifndef C_PROCESS_SPAWN_H
#define C_PROCESS_SPAWN_H

#include <sys/types.h>

/// Starts `path` as the leader of a new process group, with the given standard streams, in
/// `directory` (NULL: the current one), every other descriptor closed and every signal back to
/// its default disposition and unblocked, so a child never inherits what the supervisor ignores.
///
/// Returns 0 and stores the child's pid, or an errno value: ENOENT and EACCES for the program,
/// and the error of chdir(2) for the directory, as posix_spawn(3) reports them.
int apphost_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                  int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid);

/// As apphost_spawn, but as the leader of a new session (setsid(2)): no controlling terminal,
/// so neither Ctrl-C nor the terminal's hang-up reaches it. For `apphost run --detach`.
int apphost_spawn_session(const char *path, char *const argv[], char *const envp[], const char *directory,
                          int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid);

/// pipe2(2) with O_CLOEXEC on both ends (also a GNU extension Swift cannot see).
int apphost_pipe_cloexec(int descriptors[2]);

/// Makes the calling process a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER, which Swift
/// cannot call because prctl is variadic): orphaned descendants are re-parented to it instead of
/// to init, so they stay in its process tree. Returns 0, or an errno value.
int apphost_become_subreaper(void);

#endif
