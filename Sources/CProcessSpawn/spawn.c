#define _GNU_SOURCE
#include "CProcessSpawn.h"

#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <sys/prctl.h>

// Swift cannot see the glibc extensions (posix_spawn_file_actions_addchdir_np and
// addclosefrom_np) that make this safe without fork(2) in a multi-threaded process.
// `group_flag` is POSIX_SPAWN_SETPGROUP (a new process group) or POSIX_SPAWN_SETSID (a new session).
static int spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                 int stdin_fd, int stdout_fd, int stderr_fd, int group_flag, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    result = posix_spawnattr_init(&attributes);
    if (result != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }

    int descriptors[3] = {stdin_fd, stdout_fd, stderr_fd};
    for (int target = 0; target < 3 && result == 0; target++) {
        result = posix_spawn_file_actions_adddup2(&actions, descriptors[target], target);
    }
    if (result == 0) result = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (result == 0 && directory != NULL) result = posix_spawn_file_actions_addchdir_np(&actions, directory);

    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    if (result == 0) result = posix_spawnattr_setsigdefault(&attributes, &all);
    if (result == 0) result = posix_spawnattr_setsigmask(&attributes, &none);
    if (result == 0) result = posix_spawnattr_setpgroup(&attributes, 0);
    if (result == 0) {
        result = posix_spawnattr_setflags(&attributes, group_flag | POSIX_SPAWN_SETSIGDEF |
                                                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_USEVFORK);
    }
    if (result == 0) result = posix_spawn(pid, path, &actions, &attributes, argv, envp);

    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return result;
}

int apphost_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                  int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid) {
    return spawn(path, argv, envp, directory, stdin_fd, stdout_fd, stderr_fd, POSIX_SPAWN_SETPGROUP, pid);
}

int apphost_spawn_session(const char *path, char *const argv[], char *const envp[], const char *directory,
                          int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid) {
    return spawn(path, argv, envp, directory, stdin_fd, stdout_fd, stderr_fd, POSIX_SPAWN_SETSID, pid);
}

int apphost_pipe_cloexec(int descriptors[2]) {
    return pipe2(descriptors, O_CLOEXEC);
}

int apphost_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno;
}
