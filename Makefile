# flamepre — build, test, bench, demo.
#
#   make            build/libflamepre.so and build/flamepre
#   make demo       install missing build deps, build, profile examples, render graphs
#   make test       install missing test deps, unit tests (plain + ASan/UBSan), integration tests
#   make bench      benchmarks (ratios, see BENCHMARKS.md)
#   make fuzz       bounded fuzzing of the untrusted-input parsers (clang/libFuzzer)
#
# Layout: format/ (the file format both sides share: metric table, frame
# rules, meta.json keys, the atomic writer) goes into the shared library
# (PIC, hidden) and into the CLI; preload/ and collector/ objects go into
# the library; collector/ and render/ objects go into the CLI. Everything under tests/unit
# links against static archives of those objects, so a unit test exercises the
# same code the library and CLI run.

CC      ?= cc
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wvla \
           -Wwrite-strings -fno-common
B := build

# -I$(B)/gen: headers generated at build time (the embedded scripts, below)
CSTD    := -std=gnu11 -D_GNU_SOURCE -I. -I$(B)/gen
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(CFLAGS)
LIBS_PRELOAD := -ldl -lpthread -lrt
LIBS_CLI     := -ldw -lelf -lz -lm -ldl -lpthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

FORMAT_SRC    := $(sort $(wildcard format/*.c))
# format/ code only the CLI reads with (the meta.json reader): kept out of
# the library that every profiled program maps.
FORMAT_CLI_ONLY := $(filter format/json%.c,$(FORMAT_SRC))
PRELOAD_SRC   := $(sort $(wildcard preload/*.c))
COLLECTOR_SRC := $(sort $(wildcard collector/*.c))
RENDER_SRC    := $(sort $(filter-out render/main.c,$(wildcard render/*.c)))
# The collector process's own files: in the CLI (flamepre collect, record),
# not in the library. (maps.c is in both: the in-process collector reads
# /proc/self/maps for code mapped without the dynamic loader.)
# inline.c reads DWARF with libdw, which the library must not load.
PROCESS_SRC   := collector/server.c collector/inline.c collector/inlcache.c
# Pure preload/ code the collector process needs (names, config, log and
# the output paths it checks).
SHARED_SRC    := preload/log.c preload/config.c preload/waitcall.c preload/layout.c \
                 preload/outdir.c
# Interposers define libc names; unit tests must not link them, nor the
# library's on-demand libelf forwarders (they link libelf itself).
CORE_SRC      := $(filter-out preload/interpose_%.c preload/elf_ondemand.c,$(PRELOAD_SRC)) \
                 $(COLLECTOR_SRC) $(FORMAT_SRC)
UNIT_SRC      := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN      := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
UNIT_ASAN_BIN := $(patsubst tests/unit/%.c,$(B)/asan/tests/%,$(UNIT_SRC))
EXAMPLE_SRC   := $(sort $(wildcard examples/*.c))
EXAMPLE_CXX   := $(sort $(wildcard examples/*.cc))
EXAMPLES      := $(patsubst examples/%.c,$(B)/examples/%,$(EXAMPLE_SRC)) \
                 $(patsubst examples/%.c,$(B)/examples/%-nofp,$(EXAMPLE_SRC)) \
                 $(patsubst examples/%.cc,$(B)/examples/%,$(EXAMPLE_CXX))

# The scripts the graphs carry (render/js/NAME.js, written by render/NAME.c)
# are real JavaScript files, embedded byte for byte: each becomes
# $(B)/gen/render/js/NAME.js.h defining `static const char NAME_js[]`, the
# file's bytes and a NUL. od and sed, not xxd: they are in every base system,
# and '\xNN' character constants are right whether char is signed or not.
JS_SRC  := $(sort $(wildcard render/js/*.js))
JS_HDRS := $(patsubst %,$(B)/gen/%.h,$(JS_SRC))

HDRS := $(wildcard format/*.h preload/*.h collector/*.h render/*.h tests/unit/*.h)

.PHONY: all lib cli examples unit unit-asan test bench demo fuzz fuzz-run clean deps-build deps-test deps-bench deps-fuzz install

all: lib cli

lib: $(B)/libflamepre.so
cli: $(B)/flamepre

# ---- shared library (PIC, hidden visibility: only interposed libc names and
# flamepre_* are exported) ----
$(B)/pic/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fPIC -fvisibility=hidden -ftls-model=initial-exec -c $< -o $@

# The allocation interposers walk frame pointers from their own frame
# (FLAMEPRE_UNWIND=fp): the library's frames must keep the chain intact.
$(B)/pic/preload/%.o: CFLAGS += -fno-omit-frame-pointer

# libgcc's unwinder is linked in privately (preload/unwind.c says why):
# the archive comes before libunwind, which exports the same names, and
# --exclude-libs keeps every archive symbol local. --wrap puts a guard
# around its FDE lookup (preload/interpose_fde.c).
GCC_EH := $(shell $(CC) -print-file-name=libgcc_eh.a)
$(B)/libflamepre.so: $(patsubst %.c,$(B)/pic/%.o,$(PRELOAD_SRC) $(filter-out $(PROCESS_SRC),$(COLLECTOR_SRC)) \
                        $(filter-out $(FORMAT_CLI_ONLY),$(FORMAT_SRC)))
	$(CC) -shared -static-libgcc -Wl,-z,now -Wl,-z,nodelete -Wl,--no-undefined \
	    -Wl,--exclude-libs,ALL -Wl,--wrap=_Unwind_Find_FDE -o $@ $^ $(GCC_EH) $(LIBS_PRELOAD)

# ---- CLI ----
$(B)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# The embedded scripts (JS_SRC above). A static pattern rule: its targets
# are explicit, so make never deletes them as intermediate files.
$(JS_HDRS): $(B)/gen/render/js/%.js.h: render/js/%.js
	@mkdir -p $(dir $@)
	@{ echo '/* Generated by the Makefile from $<: edit that file. */'; \
	   echo 'static const char $*_js[] = {'; \
	   od -An -v -tx1 $< | sed "s/ *\([0-9a-f][0-9a-f]\)/'\\\\x\1',/g"; \
	   echo '0 };'; } >$@.tmp && mv $@.tmp $@
# Only the writer render/NAME.c includes NAME.js.h: its objects (plain,
# ASan, fuzz) depend on it, and a script edit rebuilds nothing else.
$(foreach j,$(JS_SRC),$(eval $(foreach d,obj asan/obj fuzz/obj,\
    $(B)/$(d)/$(j:render/js/%.js=render/%.o)): $(B)/gen/$(j).h))

# The CLI takes from collector/ only what it calls (an archive), so collector
# code that drains the preload buffers does not drag preload/ into it.
$(B)/libcollector.a: $(patsubst %.c,$(B)/obj/%.o,$(COLLECTOR_SRC))
	@rm -f $@; ar rcs $@ $^

$(B)/flamepre: $(patsubst %.c,$(B)/obj/%.o,render/main.c $(RENDER_SRC) $(SHARED_SRC) $(FORMAT_SRC)) \
               $(B)/libcollector.a
	$(CC) -o $@ $^ $(LIBS_CLI)

# ---- unit tests: plain and ASan/UBSan ----
$(B)/libcore.a: $(patsubst %.c,$(B)/obj/%.o,$(CORE_SRC) $(RENDER_SRC))
	@rm -f $@; ar rcs $@ $^

$(B)/tests/%: tests/unit/%.c $(B)/libcore.a $(B)/testdata/symtest $(B)/testdata/inline_hot $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(B)/libcore.a -lcmocka -lunwind $(LIBS_CLI) -lrt

$(B)/asan/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(SAN) -c $< -o $@

$(B)/asan/libcore.a: $(patsubst %.c,$(B)/asan/obj/%.o,$(CORE_SRC) $(RENDER_SRC))
	@rm -f $@; ar rcs $@ $^

$(B)/asan/tests/%: tests/unit/%.c $(B)/asan/libcore.a $(B)/testdata/symtest $(B)/testdata/inline_hot $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(SAN) -Wno-missing-prototypes -o $@ $< $(B)/asan/libcore.a -lcmocka -lunwind $(LIBS_CLI) -lrt

# A small program with known symbols for the symbolizer tests: full symtab,
# a stripped copy, and a copy whose debug info lives in a .debug file.
$(B)/testdata/symtest: tests/unit/symtest.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -fno-inline -Wl,--build-id -o $@ $<
	strip -o $@-stripped $@
	objcopy --only-keep-debug $@ $@.debug
	strip -o $@-debuglink $@ && objcopy --add-gnu-debuglink=$@.debug $@-debuglink

# Code with inlined calls and their DWARF, for the inline cache's test.
$(B)/testdata/inline_hot: examples/inline_hot.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -o $@ $<

# The symbolizer's throughput benchmark (bench/symbolize.sh), on the same
# archive as the unit tests.
$(B)/bench/symbolize_bench: bench/symbolize_bench.c $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(B)/libcore.a -lunwind $(LIBS_CLI) -lrt

unit: $(UNIT_BIN)
unit-asan: $(UNIT_ASAN_BIN)

# ---- examples: each built with and without frame pointers ----
$(B)/examples/%: examples/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -o $@ $< -lpthread -lm

$(B)/examples/%-nofp: examples/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -fomit-frame-pointer -o $@ $< -lpthread -lm

$(B)/examples/%: examples/%.cc
	@mkdir -p $(dir $@)
	$(CXX) -O2 -g -o $@ $< -lpthread

examples: $(EXAMPLES)

# ---- dependencies (only what is missing; apt-get as root, else sudo) ----
BUILD_PKGS := gcc make binutils libunwind-dev libelf-dev libdw-dev zlib1g-dev
# Everything the integration tests drive: third-party programs (python3,
# sqlite3, redis), peers and checkers (go tool pprof, speedscope's schema,
# chromium and node for the browser tests, whose npm packages, playwright-core
# and the speedscope viewer, tests/integration/lib.sh need_browser installs),
# jemalloc for the allocator-stacking test.
TEST_PKGS  := $(BUILD_PKGS) libcmocka-dev python3 python3-jsonschema sqlite3 file golang-go \
              redis-server redis-tools libjemalloc2 chromium nodejs cmd:npm nginx-light curl \
              apache2-utils linux-perf strace
BENCH_PKGS := $(TEST_PKGS) libgoogle-perftools-dev hyperfine time heaptrack
deps-build:
	@.ci/install-deps.sh $(BUILD_PKGS)
deps-test:
	@.ci/install-deps.sh $(TEST_PKGS)
deps-bench:
	@.ci/install-deps.sh $(BENCH_PKGS)
deps-fuzz:
	@.ci/install-deps.sh clang libclang-rt-14-dev

test: deps-test
	$(MAKE) all examples unit unit-asan
	tests/run-all.sh

bench: deps-bench
	$(MAKE) all examples
	bench/run.sh

demo: deps-build
	$(MAKE) all examples
	examples/demo.sh

# ---- fuzzing: libFuzzer targets tests/fuzz/fuzz_*.c (clang; ASan+UBSan) ----
# render/ (and collector/, linked from an archive only if referenced) built
# with coverage instrumentation; each target runs FUZZ_TIME seconds on its own
# working corpus (build/fuzz/corpus-NAME, new finds land there) seeded from
# tests/fuzz/corpus/. Crashes are saved as build/fuzz/crash-* and stop make.
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 60
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  = $(CSTD) -O1 -g $(FUZZ_SAN) $(filter-out -Werror,$(WARN))
FUZZ_BIN    := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
$(B)/fuzz/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(B)/fuzz/librender.a: $(patsubst %.c,$(B)/fuzz/obj/%.o,$(RENDER_SRC) $(COLLECTOR_SRC) $(SHARED_SRC) $(FORMAT_SRC) preload/cfa_rule.c)
	@rm -f $@; ar rcs $@ $^
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(B)/fuzz/librender.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/fuzz/librender.a $(LIBS_CLI)
fuzz: deps-fuzz
	$(MAKE) fuzz-run
fuzz-run: $(FUZZ_BIN)
	@for t in $(FUZZ_BIN); do \
	    n=$$(basename $$t); mkdir -p $(B)/fuzz/corpus-$$n; \
	    echo "fuzz: $$n for $(FUZZ_TIME)s"; \
	    $$t -max_total_time=$(FUZZ_TIME) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	        -print_final_stats=1 -artifact_prefix=$(B)/fuzz/ \
	        $(B)/fuzz/corpus-$$n tests/fuzz/corpus || exit 1; \
	done

PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(B)/libflamepre.so $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/flamepre $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf $(B)
