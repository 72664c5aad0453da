/*
 * The image's shared mapping (see shm.h and layout.h).
 *
 * Why one memfd: the collector process receives it over the image's
 * channel and maps it, so everything the host recorded is still readable
 * after the host is gone (killed, crashed): the collector needs nothing
 * else from the host. MAP_NORESERVE and a sparse file: untouched pages
 * (most rings, most of the site range) cost no memory on either side.
 */
#include "preload/shm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/hooks.h"
#include "preload/sandbox.h"
#include "preload/threads.h"

FLAMEPRE_BIG_BSS static struct layout_header standin;
struct layout_header *shm_hdr = &standin;
static int memfd = -1;

/* Site range: as much as the reservation allows, 1 GiB at most (as the
 * earlier private range). */
#define SITES_MAX ((uint64_t)1 << 30)
#define SITES_MIN ((uint64_t)16 << 20)

/* A sparse memfd of `bytes`, or -1 when memfds are refused. */
static int memfd_new(uint64_t bytes)
{
    if (!sandbox_allows(SANDBOX_MEMFD)) {
        errno = EPERM;
        return -1;
    }
    int fd = (int)syscall(SYS_memfd_create, "flamepre", MFD_CLOEXEC);
    if (fd >= 0 && ftruncate(fd, (off_t)bytes) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Keep the profile's memory out of the program's core dumps: it is the
 * collector's (which has it anyway), and hundreds of megabytes of it made
 * a crash write a 0.5-1.6 GB core and take seconds to die. */
static void *no_dump(void *m, uint64_t bytes)
{
    if (m != MAP_FAILED)
        madvise(m, bytes, MADV_DONTDUMP);
    return m;
}

/* A sparse memfd of `bytes` mapped shared, or a shared anonymous mapping
 * when memfds are refused; at `at` (MAP_FIXED) unless NULL. */
static void *map_new(uint64_t bytes, void *at, int *fd_out)
{
    int flags = MAP_SHARED | MAP_NORESERVE | (at ? MAP_FIXED : 0);
    int fd = memfd_new(bytes);
    if (fd >= 0) {
        void *m = no_dump(mmap(at, bytes, PROT_READ | PROT_WRITE, flags, fd, 0), bytes);
        if (m != MAP_FAILED) {
            *fd_out = fd;
            return m;
        }
        close(fd);
    }
    *fd_out = -1;
    void *m = no_dump(mmap(at, bytes, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0), bytes);
    return m == MAP_FAILED ? NULL : m;
}

/* Fill a new memfd with the first `keep` bytes of the mapping at h and map
 * it over h. The kernel copies (one pwrite), so the child touches neither a
 * bounce buffer nor the new pages: every page it would touch is a
 * copy-on-write or first-touch fault, tens of microseconds each in a VM. */
static int refill_in_place(struct layout_header *h, size_t keep)
{
    int fd = memfd_new(h->total_bytes);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < keep) {
        long n = syscall(SYS_pwrite64, fd, (const char *)h + done, keep - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done == keep && no_dump(mmap(h, h->total_bytes, PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd, 0),
                                h->total_bytes) != MAP_FAILED) {
        memfd = fd;
        return 0;
    }
    close(fd);
    return -1;
}

uint64_t shm_address_share(unsigned div)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return UINT64_MAX;
    return (uint64_t)rl.rlim_cur / div;
}

int shm_create(unsigned ring_words, bool sites)
{
    if (shm_hdr != &standin)
        return 0;
    /* An address-space limit (ulimit -v) or strict overcommit may refuse
     * the full size: settle for fewer sites, then for fewer slots. Under
     * an address-space limit the mapping takes at most an eighth of it
     * (the live-block table a sixteenth: alloc.c). */
    uint64_t cap = shm_address_share(8);
    unsigned slots = THREADS_MAX;
    uint64_t sites_bytes = 0;
    void *m = NULL;
    int fd = -1;
    for (; slots >= 64; slots /= 8) {
        for (sites_bytes = sites ? SITES_MAX : 0;; sites_bytes /= 4) {
            uint64_t bytes = layout_size(slots, ring_words, sites_bytes);
            if (bytes <= cap || (slots / 8 < 64 && sites_bytes <= SITES_MIN))
                m = map_new(bytes, NULL, &fd);
            if (m || sites_bytes <= SITES_MIN)
                break;
        }
        if (m)
            break;
    }
    if (!m)
        return -1;
    struct layout_header *h = m;
    layout_init(h, slots, ring_words, sites_bytes);
    threads_slots = (struct tslot *)((char *)m + h->slots_off);
    memfd = fd;
    /* Publish last: the counters move to the mapping from here on. */
    __atomic_store_n(&shm_hdr, h, __ATOMIC_RELEASE);
    return 0;
}

void shm_hold_life(void)
{
    if (shm_hdr == &standin)
        return;
    pthread_mutexattr_t a;
    if (pthread_mutexattr_init(&a) != 0)
        return;
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pthread_mutex_init(&shm_hdr->life, &a) == 0) {
        /* The real trylock: never recorded as a lock wait of the program. */
        hooks_ensure();
        if (real.pthread_mutex_trylock)
            real.pthread_mutex_trylock(&shm_hdr->life);
    }
    pthread_mutexattr_destroy(&a);
}

int shm_fd(void)
{
    return memfd;
}

void shm_close_fd(void)
{
    if (memfd >= 0)
        close(memfd);
    memfd = -1;
}

int shm_fork_child(void)
{
    if (shm_hdr == &standin)
        return 0;
    /* The inherited memfd is the parent's: never write through it. */
    if (memfd >= 0)
        close(memfd);
    memfd = -1;
    struct layout_header *h = shm_hdr;
    uint32_t high = atomic_load(&h->threads_high);
    size_t slot_bytes = (size_t)high * sizeof(struct tslot);
    size_t keep = h->slots_off + slot_bytes;
    if (refill_in_place(h, keep) < 0) {
        /* No memfd: copy out what the child keeps (it may not allocate
         * here) into a new shared mapping. */
        void *copy = mmap(NULL, keep, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (copy == MAP_FAILED)
            goto fail;
        memcpy(copy, h, keep);
        int fd;
        if (!map_new(h->total_bytes, h, &fd)) {
            munmap(copy, keep);
            goto fail;
        }
        memcpy(h, copy, keep);
        munmap(copy, keep);
        memfd = fd;
    }
    memset(&h->c, 0, sizeof h->c);
    atomic_store(&h->sites_used, 0);
    atomic_store(&h->nsites, 0);
    atomic_fetch_add(&h->sites_gen, 1);
    atomic_store(&h->map_gen, 0);
    atomic_store(&h->end, LAYOUT_RUNNING);
    h->end_how[0] = 0;
    return 0;
fail:
    /* The old mapping is still the parent's: the caller stops recording
     * in this child so nothing is written through it. */
    return -1;
}
