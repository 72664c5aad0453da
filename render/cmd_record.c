/*
 * `flamepre record`: run a command with libflamepre.so preloaded, pass its
 * exit status through, then render one SVG per profile it wrote.
 *
 * Model: flamepre is a transparent wrapper. The child inherits stdin/stdout/
 * stderr untouched (stdout belongs to the program; flamepre prints only to
 * stderr), Ctrl-C reaches the child (the whole foreground process group gets
 * it) while the wrapper ignores SIGINT/SIGQUIT and keeps waiting so it can
 * still render. Which files are "new" is decided by comparing the output
 * directory before and after the run (name and mtime), so the child's
 * descendants (fork, exec) are included without knowing their pids, and old
 * profiles in the same directory are left alone.
 *
 * Everything that would make LD_PRELOAD silently do nothing is checked before
 * running: a missing command, a statically linked executable (no PT_INTERP:
 * no dynamic loader, nothing reads LD_PRELOAD) and a set-user/group-ID one
 * (the loader runs in secure mode and ignores LD_PRELOAD).
 */
#include "render/cmd.h"
#include "collector/server.h"
#include "render/profile.h"
#include "render/summary.h"
#include "render/tree.h"
#include "render/units.h"
#include "render/util.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void usage_record(FILE *f)
{
    fputs("usage: flamepre record [-e EVENTS] [-F HZ] [-o DIR] [--lines] -- CMD [ARGS...]\n"
          "\n"
          "Run CMD with libflamepre.so preloaded, pass its exit status through, then write\n"
          "an SVG next to each profile it produced and print a summary on stderr.\n"
          "\n"
          "  -e, --events LIST   comma list of cpu, wall, alloc, lock, io (FLAMEPRE_EVENTS)\n"
          "  -F, --freq HZ       samples per second (FLAMEPRE_HZ)\n"
          "  -o, --output DIR    output directory (default ./flamepre-out)\n"
          "      --no-render     only record; do not render graphs\n"
          "      --lines         frames carry source lines (FLAMEPRE_LINES=1); the graphs\n"
          "                      and summary drop them: see render --lines, top --lines\n"
          "\n"
          "The library is found next to flamepre, in ../lib, or at $FLAMEPRE_LIB.\n"
          "Without -e/-F the FLAMEPRE_* environment (or the library defaults) applies.\n",
          f);
}

static int find_library(char *out, size_t size)
{
    const char *env = getenv("FLAMEPRE_LIB");
    if (env && *env) {
        if (!realpath(env, out) || access(out, R_OK) != 0)
            return cli_error("FLAMEPRE_LIB=%s: %s", env, strerror(errno));
        return 0;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return cli_error("cannot find own executable (/proc/self/exe): %s", strerror(errno));
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    static const char *const rel[] = {"/libflamepre.so", "/../lib/libflamepre.so"};
    char cand[PATH_MAX + 32];
    for (size_t i = 0; i < 2; i++) {
        snprintf(cand, sizeof(cand), "%s%s", self, rel[i]);
        if (access(cand, R_OK) == 0 && realpath(cand, out))
            return 0;
    }
    (void)size;
    return cli_error("libflamepre.so not found next to %s or in %s/../lib; set FLAMEPRE_LIB", self,
                     self);
}

/* PATH search as execvp does it; out gets a path containing '/'. */
static int resolve_command(const char *cmd, char *out, size_t size)
{
    if (strchr(cmd, '/')) {
        if (access(cmd, F_OK) != 0)
            return cli_error("%s: command not found", cmd);
        if (access(cmd, X_OK) != 0)
            return cli_error("%s: permission denied (not executable)", cmd);
        snprintf(out, size, "%s", cmd);
        return 0;
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    bool denied = false;
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t dl = colon ? (size_t)(colon - path) : strlen(path);
        /* an empty PATH entry means the current directory */
        if (dl == 0)
            snprintf(out, size, "./%s", cmd);
        else
            snprintf(out, size, "%.*s/%s", (int)dl, path, cmd);
        struct stat st;
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(out, X_OK) == 0)
                return 0;
            denied = true;
        }
        path += dl + (colon ? 1 : 0);
    }
    if (denied)
        return cli_error("%s: permission denied (found in PATH but not executable)", cmd);
    return cli_error("%s: command not found", cmd);
}

/* 1 if the ELF has a PT_INTERP (dynamically linked), 0 if not, -1 if it
 * cannot be read as an ELF of this machine's byte order (let exec decide). */
static int elf_has_interp(int fd)
{
    unsigned char id[EI_NIDENT];
    if (pread(fd, id, sizeof(id), 0) != (ssize_t)sizeof(id))
        return -1;
    if (memcmp(id, ELFMAG, SELFMAG) != 0)
        return -1;
    const unsigned char native = (union {
                                     uint16_t v;
                                     unsigned char b[2];
                                 }){.v = 1}
                                         .b[0]
                                     ? ELFDATA2LSB
                                     : ELFDATA2MSB;
    if (id[EI_DATA] != native)
        return -1;
    uint64_t phoff;
    unsigned phnum, phentsize;
    if (id[EI_CLASS] == ELFCLASS64) {
        Elf64_Ehdr eh;
        if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
            return -1;
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
        if (phentsize < sizeof(Elf64_Phdr))
            return -1;
    } else if (id[EI_CLASS] == ELFCLASS32) {
        Elf32_Ehdr eh;
        if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
            return -1;
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
        if (phentsize < sizeof(Elf32_Phdr))
            return -1;
    } else {
        return -1;
    }
    for (unsigned i = 0; i < phnum && i < 4096; i++) {
        uint32_t type;
        if (pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)) !=
            (ssize_t)sizeof(type))
            return -1;
        if (type == PT_INTERP)
            return 1;
    }
    return 0;
}

static int check_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return cli_error("%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return cli_error("%s: not a regular file", path);
    if (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
        ((st.st_mode & S_ISGID) && st.st_gid != getegid()))
        return cli_error("%s is set-user-ID or set-group-ID: the dynamic loader ignores "
                         "LD_PRELOAD for it, so it cannot be profiled this way "
                         "(profile a non-setuid copy)",
                         path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* execute-only file: let exec report what it will */
    char magic[2] = {0};
    ssize_t n = pread(fd, magic, 2, 0);
    int interp = (n == 2 && magic[0] == '#' && magic[1] == '!') ? 1 : elf_has_interp(fd);
    close(fd);
    if (interp == 0)
        return cli_error("%s is statically linked: LD_PRELOAD cannot work on statically "
                         "linked executables (no dynamic loader runs to load the profiler)",
                         path);
    return 0;
}

struct seen {
    char *name;
    struct timespec mtime;
};

static bool is_folded(const char *name)
{
    size_t n = strlen(name);
    return n > 7 && strcmp(name + n - 7, ".folded") == 0;
}

/* Folded files in dir with their mtimes. Missing dir: empty list. */
static int snapshot(const char *dir, struct seen **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : cli_error("%s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_folded(e->d_name))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (grow_array(out, &cap, *n + 1, sizeof(**out)) < 0)
            break;
        (*out)[*n].name = strdup(e->d_name);
        (*out)[*n].mtime = st.st_mtim;
        if ((*out)[*n].name)
            (*n)++;
    }
    closedir(d);
    return 0;
}

static void seen_free(struct seen *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].name);
    free(s);
}

static int cmp_seen(const void *a, const void *b)
{
    return strcmp(((const struct seen *)a)->name, ((const struct seen *)b)->name);
}

static bool was_seen(const struct seen *before, size_t nb, const struct seen *f)
{
    for (size_t i = 0; i < nb; i++)
        if (!strcmp(before[i].name, f->name))
            return before[i].mtime.tv_sec == f->mtime.tv_sec &&
                   before[i].mtime.tv_nsec == f->mtime.tv_nsec;
    return false;
}

/* Processes among the new folded files: distinct "<comm>.<pid>" prefixes,
 * the merged tree files aside. `after` is sorted, so a process's files are
 * adjacent. */
static size_t count_processes(const struct seen *before, size_t nb, const struct seen *after,
                              size_t na)
{
    size_t n = 0;
    const char *prev = NULL;
    size_t prev_len = 0;
    for (size_t i = 0; i < na; i++) {
        const char *name = after[i].name;
        if (was_seen(before, nb, &after[i]) || strstr(name, ".tree."))
            continue;
        const char *m = memrchr(name, '.', strlen(name) - 7); /* ".<metric>.folded" */
        size_t len = m ? (size_t)(m - name) : strlen(name);
        if (!prev || len != prev_len || strncmp(prev, name, len))
            n++;
        prev = name;
        prev_len = len;
    }
    return n;
}

static int render_new(const char *dir, const struct seen *before, size_t nb)
{
    struct seen *after;
    size_t na;
    if (snapshot(dir, &after, &na) < 0)
        return -1;
    qsort(after, na, sizeof(*after), cmp_seen);
    struct summary *sum = summary_new(count_processes(before, nb, after, na));
    int rendered = 0, failed = 0;
    /* the processes' own profiles, then the merged tree ones: the summary
     * ends with the merged view */
    for (size_t k = 0; k < 2 * na; k++) {
        size_t i = k % na;
        if (was_seen(before, nb, &after[i]) || (k < na) == !!strstr(after[i].name, ".tree."))
            continue;
        if (k >= na)
            summary_commands(sum);
        char *in = NULL, *out = NULL;
        size_t bl = strlen(after[i].name) - 7;
        if (asprintf(&in, "%s/%s", dir, after[i].name) < 0 ||
            asprintf(&out, "%s/%.*s.svg", dir, (int)bl, after[i].name) < 0) {
            failed++;
        } else {
            struct profile *p = NULL;
            /* no title: the graph's default names the metric and process */
            if (render_one_svg(in, out, NULL, &p) == 0) {
                summary_add(sum, in, out, p);
                profile_free(p);
                rendered++;
            } else {
                failed++;
            }
        }
        free(in);
        free(out);
    }
    summary_finish(sum);
    seen_free(after, na);
    if (!rendered && !failed)
        cli_warn("no profile was written to %s (did the program start? set FLAMEPRE_LOG=info "
                 "to see the profiler's messages)",
                 dir);
    return failed ? -1 : 0;
}

static int mkdir_p(const char *dir)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
        return cli_error("%s: path too long", dir);
    for (char *s = tmp + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return cli_error("%s: %s", tmp, strerror(errno));
        *s = '/';
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        return cli_error("%s: %s", tmp, strerror(errno));
    return 0;
}

/* Processes of the tree still attached this long after the command
 * exited (daemons it left behind) are written as they are. */
#define GRACE_MS 5000

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Collect until the command has exited and its processes are written;
 * the command's exit code. */
/* record is the collector of the tree it runs: killed by a SIGTERM or
 * SIGHUP meant for the tree (timeout, a closed terminal), it took every
 * profile with it. It passes them to the command instead and collects on
 * until the command has gone. */
static volatile pid_t record_child;

static void pass_on(int sig)
{
    int saved = errno;
    if (record_child > 0)
        kill(record_child, sig);
    errno = saved;
}

static int serve_until_done(struct server *srv, pid_t pid, int *status)
{
    uint64_t done_at = 0;
    bool done = false;
    while (!done || (srv && server_clients(srv) && now_ms() - done_at < GRACE_MS)) {
        if (!done) {
            pid_t r = waitpid(pid, status, srv ? WNOHANG : 0);
            if (r == pid) {
                done = true;
                done_at = now_ms();
            } else if (r < 0 && errno != EINTR) {
                done = true;
                *status = 0;
                done_at = now_ms();
            }
        }
        if (srv)
            server_step(srv, done ? 50 : 20);
    }
    if (srv)
        server_finish_all(srv, "running when record ended");
    return WIFEXITED(*status)     ? WEXITSTATUS(*status)
           : WIFSIGNALED(*status) ? 128 + WTERMSIG(*status)
                                  : 1;
}

static const struct option record_longopts[] = {
    {"events", required_argument, NULL, 'e'},
    {"freq", required_argument, NULL, 'F'},
    {"output", required_argument, NULL, 'o'},
    {"no-render", no_argument, NULL, 'N'},
    {"lines", no_argument, NULL, 'L'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_record(int argc, char **argv)
{
    const char *events = NULL, *hz = NULL, *dir = "flamepre-out";
    bool render = true, lines = false;
    int c;
    optind = 1;
    opterr = 0;
    /* '+': stop at the first non-option so the command's own flags are its own */
    while ((c = getopt_long(argc, argv, "+e:F:o:h", record_longopts, NULL)) != -1) {
        switch (c) {
        case 'e': events = optarg; break;
        case 'F': hz = optarg; break;
        case 'o': dir = optarg; break;
        case 'N': render = false; break;
        case 'L': lines = true; break;
        case 'h': usage_record(stdout); return 0;
        default: bad_option(argv, "record"); return 2;
        }
    }
    if (optind >= argc) {
        cli_error("record: no command given");
        usage_record(stderr);
        return 2;
    }
    if (hz) {
        char *end;
        long v = strtol(hz, &end, 10);
        if (end == hz || *end || v <= 0 || v > 100000) {
            cli_error("-F: expected a frequency in Hz (1..100000), got \"%s\"", hz);
            return 2;
        }
    }
    char **cmd = argv + optind;
    char exe[PATH_MAX + 256], lib[PATH_MAX], outdir[PATH_MAX];
    if (resolve_command(cmd[0], exe, sizeof(exe)) < 0)
        return 127;
    if (check_executable(exe) < 0 || find_library(lib, sizeof(lib)) < 0)
        return 2;
    if (mkdir_p(dir) < 0 || !realpath(dir, outdir)) {
        cli_error("%s: %s", dir, strerror(errno));
        return 2;
    }
    struct seen *before;
    size_t nb;
    if (snapshot(outdir, &before, &nb) < 0)
        return 1;

    char *preload = NULL;
    const char *old = getenv("LD_PRELOAD");
    if (asprintf(&preload, old && *old ? "%s:%s" : "%s", lib, old) < 0) {
        seen_free(before, nb);
        cli_error("out of memory");
        return 1;
    }
    /* flamepre record is the collector of the tree it runs: its processes
     * attach here (FLAMEPRE_SOCKET), no collector process is started. */
    char sockname[96];
    snprintf(sockname, sizeof sockname, "flamepre-record/%d/%lx", (int)getpid(),
             (unsigned long)time(NULL));
    struct server *srv = server_new(sockname);
    if (srv)
        server_set_early_end(srv, true);
    else
        cli_warn("cannot listen for the profiled processes (%s): they collect in-process",
                 strerror(errno));
    time_t since = time(NULL);
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit, old_pipe;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    sigaction(SIGPIPE, &ign, &old_pipe);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
        setenv("LD_PRELOAD", preload, 1);
        if (srv)
            setenv("FLAMEPRE_SOCKET", sockname, 1);
        setenv("FLAMEPRE_OUTPUT", outdir, 1);
        if (events)
            setenv("FLAMEPRE_EVENTS", events, 1);
        if (hz)
            setenv("FLAMEPRE_HZ", hz, 1);
        if (lines)
            setenv("FLAMEPRE_LINES", "1", 1);
        execvp(exe, cmd);
        int e = errno;
        fprintf(stderr, "flamepre: error: %s: %s\n", exe, strerror(e));
        _exit(e == ENOENT ? 127 : 126);
    }
    free(preload);
    /* (after the fork: the program keeps the limit it was given) */
    if (srv)
        server_more_descriptors(srv);
    int status = 0, code;
    if (pid < 0) {
        cli_error("fork: %s", strerror(errno));
        code = 1;
    } else {
        struct sigaction fwd = {.sa_handler = pass_on, .sa_flags = SA_RESTART}, old_term, old_hup;
        sigemptyset(&fwd.sa_mask);
        record_child = pid;
        sigaction(SIGTERM, &fwd, &old_term);
        sigaction(SIGHUP, &fwd, &old_hup);
        code = serve_until_done(srv, pid, &status);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        record_child = 0;
    }
    server_free(srv);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (pid > 0 && tree_write(outdir, since, pid) < 0)
        code = code ? code : 1;
    if (pid > 0 && render)
        render_new(outdir, before, nb);
    seen_free(before, nb);
    return code;
}
