/*
 * The metric, event and unit tables (see metrics.h), expanded from their
 * X-macros, and lookups by name. Tables are a dozen rows: a linear scan.
 */
#include "format/metrics.h"

#include <string.h>

const struct metric_def metric_defs[METRIC_COUNT] = {
#define X(id, name, kind, unit, event, source, weight, palette, label, desc) \
    [METRIC_##id] = {name, kind, unit, event, source, weight, palette, label, desc},
    FORMAT_METRICS(X)
#undef X
};

static const char *const event_names[EV_INDEX_COUNT] = {
#define X(id, name) [EV_INDEX_##id] = name,
    FORMAT_EVENTS(X)
#undef X
};

static const char *const unit_names[UNIT_KIND_COUNT] = {
#define X(id, name) [UNIT_##id] = name,
    FORMAT_UNITS(X)
#undef X
};

static int name_is(const char *want, const char *name, size_t len)
{
    return strlen(want) == len && memcmp(want, name, len) == 0;
}

const struct metric_def *metric_find(const char *name, size_t len)
{
    for (size_t i = 0; i < METRIC_COUNT; i++)
        if (name_is(metric_defs[i].name, name, len))
            return &metric_defs[i];
    return NULL;
}

const char *event_name(unsigned bit)
{
    for (unsigned i = 0; i < EV_INDEX_COUNT; i++)
        if (bit == 1u << i)
            return event_names[i];
    return NULL;
}

unsigned event_find(const char *name, size_t len)
{
    for (unsigned i = 0; i < EV_INDEX_COUNT; i++)
        if (name_is(event_names[i], name, len))
            return 1u << i;
    return 0;
}

const char *unit_kind_name(enum unit_kind k)
{
    return (unsigned)k < UNIT_KIND_COUNT ? unit_names[k] : unit_names[UNIT_SAMPLES];
}

int unit_kind_find(const char *name, enum unit_kind *out)
{
    for (unsigned i = 0; i < UNIT_KIND_COUNT; i++)
        if (strcmp(unit_names[i], name) == 0) {
            *out = (enum unit_kind)i;
            return 0;
        }
    return -1;
}
