/*
 * _exit and _Exit skip atexit handlers and library destructors, so the
 * profile is written here first. Each calls its own real function: an _exit
 * hook that calls exit() would run the program's atexit handlers.
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/hooks.h"
#include "preload/lifecycle.h"

static __attribute__((noreturn)) void exit_now(int status)
{
    for (;;)
        syscall(SYS_exit_group, status);
}

/* exit() runs the destructors, which end the profile; only its status is
 * taken here, for meta.json. */
FLAMEPRE_EXPORT __attribute__((noreturn)) void exit(int status)
{
    lifecycle_note_exit(status);
    hooks_ensure();
    if (real.exit)
        real.exit(status);
    exit_now(status);
}

/* A return from main ends the process by glibc's own call of exit, which
 * no interposer sees: main is run through this wrapper, which takes its
 * status the same way. Its frame, in this library, leaves every stack. */
static int (*program_main)(int, char **, char **);

static int main_then_note(int argc, char **argv, char **envp)
{
    int status = program_main(argc, argv, envp);
    lifecycle_note_exit(status);
    return status;
}

FLAMEPRE_EXPORT int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                                      void (*init)(void), void (*fini)(void),
                                      void (*rtld_fini)(void), void *stack_end)
{
    hooks_ensure();
    if (!real.__libc_start_main)
        exit_now(127);
    program_main = main;
    return real.__libc_start_main(main ? main_then_note : NULL, argc, argv, init, fini, rtld_fini,
                                  stack_end);
}

FLAMEPRE_EXPORT __attribute__((noreturn)) void _exit(int status)
{
    lifecycle_finish("_exit", status);
    hooks_ensure();
    if (real._exit)
        real._exit(status);
    exit_now(status);
}

FLAMEPRE_EXPORT __attribute__((noreturn)) void _Exit(int status)
{
    lifecycle_finish("_Exit", status);
    hooks_ensure();
    if (real._Exit)
        real._Exit(status);
    exit_now(status);
}
