# Golden cases for the flamepre renderers, shared by refresh.sh (writes
# expected/) and tests/integration/t_golden.sh (compares against expected/).
#
# Sourced with the working directory at tests/golden, so every path below (and
# every path the outputs mention, e.g. top's header) is relative and the same
# on every machine. The caller defines
#
#   g NAME ARGS...    one case: `flamepre ARGS...`; golden_run (below) does it.
#
# Inputs (in/, committed as bytes; do not "fix" their encoding):
#   app.4242.cpu.folded        threads, recursion (fib), decimals, CRLF, blank line,
#                              duplicate stacks, [module+0x..] and [unknown] frames
#   hostile.folded             <>&"' , control chars, invalid UTF-8, </script>, ]]>,
#                              U+2028, very long names, C++ templates, recursion,
#                              A;B;A;B cycles, names with spaces, printf formats
#   svc.77.alloc_bytes.folded  bytes metric (units from the file name)
#   lock_contention.3319.{cpu,lock_ns}.folded + .meta.json
#                              a recorded process with its meta.json: the
#                              sampling period, comm, pid and losses
#   narrow.folded              many frames narrower than the minimum width
#   bad.folded                 malformed lines (missing count, negative count)
#   empty.folded               no stacks at all
#   before.folded after.folded a differential pair
golden_cases() {
    # ---- render: SVG ----
    g render-default.svg        render in/app.4242.cpu.folded -o @OUT@
    g render-inverted.svg       render in/app.4242.cpu.folded --inverted --title 'Icicle <&> "t"' --subtitle "sub 'x'" -o @OUT@
    g render-reverse.svg        render in/app.4242.cpu.folded --reverse -o @OUT@
    g render-merge-threads.svg  render in/app.4242.cpu.folded --merge-threads --sort weight -o @OUT@
    g render-thread.svg         render in/app.4242.cpu.folded --thread 'worker-[0-9]' -o @OUT@
    g render-collapse.svg       render in/app.4242.cpu.folded --collapse-recursion --width 800 -o @OUT@
    g render-minwidth-px.svg    render in/narrow.folded --minwidth 5 -o @OUT@
    g render-minwidth-pct.svg   render in/narrow.folded --minwidth 0.5% -o @OUT@
    g render-minwidth-0.svg     render in/narrow.folded --minwidth 0 -o @OUT@
    g render-hostile.svg        render in/hostile.folded -o @OUT@
    g render-hostile-collapse-reverse.svg render in/hostile.folded --collapse-recursion --reverse --minwidth 0 -o @OUT@
    g render-alloc.svg          render in/svc.77.alloc_bytes.folded -o @OUT@
    g render-units-ns.svg       render in/svc.77.alloc_bytes.folded --units ns --colors io -o @OUT@
    g render-merged-inputs.svg  render in/before.folded in/after.folded -o @OUT@
    g render-empty.svg          render in/empty.folded -o @OUT@
    g render-bad.svg            render in/bad.folded -o @OUT@
    g render-bad-lenient.svg    render in/bad.folded --lenient -o @OUT@
    g render-missing.svg        render in/missing.folded -o @OUT@
    g render-meta-lock.svg      render in/lock_contention.3319.lock_ns.folded -o @OUT@
    g render-meta-title.svg     render in/lock_contention.3319.cpu.folded --title 'Mine' -o @OUT@

    # ---- top ----
    g top-text.txt              top in/app.4242.cpu.folded
    g top-hostile.txt           top in/hostile.folded -n 50
    g top-markdown.md           top in/app.4242.cpu.folded --format markdown -n 5
    g top-hostile-markdown.md   top in/hostile.folded --format markdown
    g top-alloc-csv.csv         top in/svc.77.alloc_bytes.folded --format csv
    g top-hostile-csv.csv       top in/hostile.folded --format csv
    g top-merge-threads.txt     top in/app.4242.cpu.folded --merge-threads -n 3
    g top-thread-tid.txt        top in/app.4242.cpu.folded --thread 4243 -n 5
    g top-thread-name.txt       top in/app.4242.cpu.folded --thread worker-2 --merge-threads -n 5
    g top-empty.txt             top in/empty.folded
    g top-missing.txt           top in/missing.folded

    # ---- convert ----
    g convert-folded.folded     convert in/app.4242.cpu.folded --to folded
    g convert-hostile.folded    convert in/hostile.folded --to folded
    g convert-merged.folded     convert in/before.folded in/after.folded in/app.4242.cpu.folded --to folded
    g convert-speedscope.json   convert in/app.4242.cpu.folded --to speedscope -o @OUT@
    g convert-hostile-speedscope.json convert in/hostile.folded --to speedscope -o @OUT@
    g convert-alloc-speedscope.json   convert in/svc.77.alloc_bytes.folded --to speedscope
    g convert-cpu-period-speedscope.json convert in/lock_contention.3319.cpu.folded --to speedscope
    g convert-lock-speedscope.json    convert in/lock_contention.3319.lock_ns.folded --to speedscope

    # ---- HTML output (render -o OUT.html) ----
    g html-default.html         render in/app.4242.cpu.folded -o @OUT@
    g html-hostile.html         render in/hostile.folded -o @OUT@
    g html-inverted.html        render in/app.4242.cpu.folded --inverted --minwidth 0 --title 'T <&> "q"' -o @OUT@
    g html-reverse-collapse.html render in/hostile.folded --reverse --collapse-recursion -o @OUT@
    g html-alloc.html           render in/svc.77.alloc_bytes.folded -o @OUT@
    g html-empty.html           render in/empty.folded -o @OUT@
    g html-meta-cpu.html        render in/lock_contention.3319.cpu.folded -o @OUT@

    # ---- flamepre diff ----
    g diff-default.svg          diff in/before.folded in/after.folded -o @OUT@
    g diff-no-normalize.svg     diff in/before.folded in/after.folded --no-normalize -o @OUT@
    g diff-hostile.svg          diff in/hostile.folded in/app.4242.cpu.folded -o @OUT@
    g diff-same.svg             diff in/app.4242.cpu.folded in/app.4242.cpu.folded -o @OUT@
    g diff-empty-before.svg     diff in/empty.folded in/after.folded -o @OUT@
    g diff-default.html         diff in/before.folded in/after.folded -o @OUT@
    :
}

# golden_run CLI DIR NAME ARGS...: run `CLI ARGS...` with an argument "@OUT@"
# replaced by DIR/NAME (NAME keeps its extension: render picks SVG or HTML by
# it); without "@OUT@", stdout is written to DIR/NAME. When the run prints on
# stderr or exits non-zero, stderr and a last line "exit status N" go to
# DIR/NAME.stderr (and DIR/NAME is removed if it is empty), so expected errors
# and warnings are golden too. POSIX sh: run-all.sh runs tests with sh.
golden_run() {
    _cli=$1 _dir=$2 _name=$3
    shift 3
    _n=$# _redir=stdout
    for _a; do
        if [ "$_a" = @OUT@ ]; then
            _a=$_dir/$_name
            _redir=none
        fi
        set -- "$@" "$_a"
    done
    shift "$_n"
    # (`|| _rc=$?`: callers may run with set -e)
    _rc=0
    if [ $_redir = stdout ]; then
        "$_cli" "$@" >"$_dir/$_name" 2>"$_dir/$_name.stderr" || _rc=$?
    else
        "$_cli" "$@" 2>"$_dir/$_name.stderr" || _rc=$?
    fi
    if [ $_rc != 0 ] || [ -s "$_dir/$_name.stderr" ]; then
        echo "exit status $_rc" >>"$_dir/$_name.stderr"
    else
        rm -f "$_dir/$_name.stderr"
    fi
    [ -s "$_dir/$_name" ] || rm -f "$_dir/$_name"
    return 0
}
