/*
 * Names and classes of the interposed wait calls (wait.h): pure tables,
 * shared by the recorder in the host and the collector that names leaves.
 */
#include "preload/wait.h"

static const char *const call_names[WC_COUNT] = {
#define X(name, cls) #name,
    WAIT_CALLS(X)
#undef X
};

static const unsigned char call_class[WC_COUNT] = {
#define X(name, cls) WAIT_##cls,
    WAIT_CALLS(X)
#undef X
};

static const char *const fdk_names[FDK_COUNT] = {
#define X(k, s) s,
    WAIT_FD_KINDS(X)
#undef X
};

const char *wait_call_name(unsigned call)
{
    return call < WC_COUNT ? call_names[call] : "[unknown wait]";
}

const char *wait_fd_kind_name(unsigned fdk)
{
    return fdk < FDK_COUNT ? fdk_names[fdk] : "other";
}

enum wait_class wait_call_class(unsigned call)
{
    return call < WC_COUNT ? (enum wait_class)call_class[call] : WAIT_IO;
}

void wait_label_string(uint32_t label, char *buf, unsigned len)
{
    if (len == 0)
        return;
    const char *call = wait_call_name(WAIT_LABEL_CALL(label));
    unsigned fdk = WAIT_LABEL_FDK(label);
    unsigned n = 0;
    for (const char *p = call; *p && n + 1 < len; p++)
        buf[n++] = *p;
    if (fdk != FDK_NONE) {
        const char *k = wait_fd_kind_name(fdk);
        if (n + 1 < len)
            buf[n++] = ' ';
        if (n + 1 < len)
            buf[n++] = '[';
        for (const char *p = k; *p && n + 1 < len; p++)
            buf[n++] = *p;
        if (n + 1 < len)
            buf[n++] = ']';
    }
    buf[n] = 0;
}
