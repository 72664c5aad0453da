/*
 * The exec family. A successful exec replaces the image without running
 * destructors, so the profile of the old image is written first; and its
 * sampling clocks are stopped first, because a sampling signal still
 * pending across execve would meet the new image's default disposition and
 * kill it. If the exec fails the program goes on, unprofiled.
 *
 * glibc's execl* and execv* call execve internally, not through the PLT,
 * so each entry point is interposed; the variadic ones build their argv
 * and forward to the real execve/execvpe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "preload/hooks.h"
#include "preload/lifecycle.h"

extern char **environ;

FLAMEPRE_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    hooks_ensure();
    lifecycle_before_exec();
    return real.execve(path, argv, envp);
}

FLAMEPRE_EXPORT int execv(const char *path, char *const argv[])
{
    hooks_ensure();
    lifecycle_before_exec();
    return real.execve(path, argv, environ);
}

FLAMEPRE_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    hooks_ensure();
    lifecycle_before_exec();
    return real.execvpe(file, argv, envp);
}

FLAMEPRE_EXPORT int execvp(const char *file, char *const argv[])
{
    hooks_ensure();
    lifecycle_before_exec();
    return real.execvpe(file, argv, environ);
}

FLAMEPRE_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    hooks_ensure();
    lifecycle_before_exec();
    return real.fexecve(fd, argv, envp);
}

/* The list "arg0, ..., NULL" (and, for execle, the envp after it) as an
 * argv array, then exec through the v-form entry point. */
enum lform { L_PATH, L_SEARCH, L_ENV };

static int exec_list(enum lform form, const char *file, const char *arg0, va_list ap)
{
    va_list count;
    va_copy(count, ap);
    size_t n = 1;
    while (va_arg(count, const char *))
        n++;
    va_end(count);
    int saved = errno;
    char **argv = malloc((n + 1) * sizeof *argv);
    if (!argv) {
        errno = ENOMEM;
        return -1;
    }
    errno = saved;
    argv[0] = (char *)arg0;
    for (size_t i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *);
    int r;
    if (form == L_ENV)
        r = execve(file, argv, va_arg(ap, char **));
    else if (form == L_SEARCH)
        r = execvp(file, argv);
    else
        r = execv(file, argv);
    saved = errno;
    free(argv);
    errno = saved;
    return r;
}

FLAMEPRE_EXPORT int execl(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int r = exec_list(L_PATH, path, arg0, ap);
    va_end(ap);
    return r;
}

FLAMEPRE_EXPORT int execlp(const char *file, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int r = exec_list(L_SEARCH, file, arg0, ap);
    va_end(ap);
    return r;
}

FLAMEPRE_EXPORT int execle(const char *path, const char *arg0, ...)
{
    va_list ap;
    va_start(ap, arg0);
    int r = exec_list(L_ENV, path, arg0, ap);
    va_end(ap);
    return r;
}
