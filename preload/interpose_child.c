/*
 * Waits for child processes and joins of threads, timed for the wall event
 * as the `[wait-child]` state (wallshim.h has the shim's contract).
 * glibc's wait and waitpid call __wait4 internally, its pthread_join and
 * thrd_join __pthread_clockjoin_ex (no PLT): each wait is recorded once,
 * under the name the program called. A WNOHANG poll is timed like any
 * call: it weighs what it took.
 */
#include <pthread.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>

#include "preload/wallshim.h"

WALL_SHIM(pid_t, wait, -1, (int *status), (status))
WALL_SHIM(pid_t, waitpid, -1, (pid_t pid, int *status, int options), (pid, status, options))
WALL_SHIM(pid_t, wait4, -1, (pid_t pid, int *status, int options, struct rusage *ru),
          (pid, status, options, ru))
WALL_SHIM(int, waitid, -1, (idtype_t type, id_t id, siginfo_t *info, int options),
          (type, id, info, options))
WALL_SHIM(int, pthread_join, ENOSYS, (pthread_t t, void **ret), (t, ret))
WALL_SHIM(int, pthread_timedjoin_np, ENOSYS, (pthread_t t, void **ret, const struct timespec *at),
          (t, ret, at))
WALL_SHIM(int, pthread_clockjoin_np, ENOSYS,
          (pthread_t t, void **ret, clockid_t clk, const struct timespec *at), (t, ret, clk, at))
WALL_SHIM(int, thrd_join, thrd_error, (thrd_t t, int *res), (t, res))
