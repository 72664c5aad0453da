/*
 * Dispositions of the sampling signal. The program keeps full control of
 * its view of that signal (see sampler_sigaction): what it installs is
 * recorded and called for every signal that is not a sample, while our
 * handler stays installed. All other signals pass straight through.
 *
 * glibc's signal() and friends call sigaction internally, not through the
 * PLT, so they are interposed too and expressed as sigaction calls with the
 * flags glibc gives them.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "preload/hooks.h"
#include "preload/sampler.h"

FLAMEPRE_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    hooks_ensure();
    if (sampler_sigaction(sig, act, old))
        return 0;
    if (!real.sigaction) {
        errno = ENOSYS;
        return -1;
    }
    return real.sigaction(sig, act, old);
}

static sighandler_t set_handler(int sig, sighandler_t h, int flags)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (flags == SA_RESTART)
        sigaddset(&sa.sa_mask, sig);   /* BSD semantics block the signal */
    if (sigaction(sig, &sa, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

FLAMEPRE_EXPORT sighandler_t signal(int sig, sighandler_t h)
{
    return set_handler(sig, h, SA_RESTART);
}

FLAMEPRE_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h)
{
    return set_handler(sig, h, SA_RESETHAND | SA_NODEFER);
}
