// exceptions — C++ exceptions thrown and caught in a tight loop on several
// threads: the unwinder in libgcc (_Unwind_RaiseException) takes the loader's
// lock through dl_iterate_phdr on every throw, the classic place where a
// profiler's signal handler that unwinds deadlocks. Also exercises C++ name
// demangling (templates, namespaces) in the profile.
//
// Usage: exceptions [SECONDS [THREADS]]   (defaults 2, 2)
// stdout: one deterministic line.
#include <pthread.h>
#include <stdexcept>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace demo {

template <typename T>
struct Thrower {
    __attribute__((noinline)) static T deep(T x, int depth)
    {
        if (depth == 0)
            throw std::runtime_error("bottom");
        return deep(x + 1, depth - 1) + 1;
    }
};

static double g_seconds = 2.0;
static volatile long sink;

static double now()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static long throw_and_catch(long i)
{
    try {
        return Thrower<long>::deep(i, 8);
    } catch (const std::runtime_error &) {
        return 1;
    }
}

static void *thread_main(void *)
{
    double end = now() + g_seconds;
    long caught = 0;
    while (now() < end)
        for (int i = 0; i < 100; i++)
            caught += throw_and_catch(i);
    sink += caught;
    return nullptr;
}

} // namespace demo

int main(int argc, char **argv)
{
    if (argc > 1)
        demo::g_seconds = std::atof(argv[1]);
    int n = argc > 2 ? std::atoi(argv[2]) : 2;
    if (n < 1 || n > 64)
        return 2;
    std::vector<pthread_t> th(n);
    for (auto &t : th)
        if (pthread_create(&t, nullptr, demo::thread_main, nullptr) != 0)
            return 1;
    for (auto &t : th)
        pthread_join(t, nullptr);
    std::printf("exceptions: threads=%d done\n", n);
    return 0;
}
