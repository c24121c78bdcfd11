#!/usr/bin/env python3
"""The report half of scripts/bench-report, which calls it twice:

- `bench-report.py collect`: after each round, prints the round's criterion
  results (target/criterion/**/new/{benchmark,estimates}.json) as JSON;
- `bench-report.py`: writes BENCHMARKS.md (to stdout) from every round's
  results, the syscall counts, the instruction counts and the binary
  sizes, with the REPORT_* variables the script sets."""

import datetime
import json
import os
import pathlib
import platform
import sys

OUT = pathlib.Path(os.environ.get("REPORT_OUT", "target/bench-report"))
WAKERS = 8  # benches/wake.rs: one wake_burst iteration is 8 wakes


def collect():
    """full_id -> [median ns, mean ns] of every result of this round. The
    median: the machine is shared, and a mean follows the outliers another
    process causes."""
    results = {}
    for bench in pathlib.Path("target/criterion").glob("**/new/benchmark.json"):
        full_id = json.loads(bench.read_text())["full_id"]
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        results[full_id] = [estimates["median"]["point_estimate"], estimates["mean"]["point_estimate"]]
    if not results:
        sys.exit("bench-report.py collect: no criterion results")
    return results


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def rounds():
    """The results of every round: a list of {full_id: [median, mean]}."""
    return [json.loads(f.read_text()) for f in sorted(OUT.glob("round-*.json"))]


def syscalls():
    """workload -> (syscall, iterations, calls)."""
    counts = {}
    for line in (OUT / "syscalls.tsv").read_text().splitlines():
        name, syscall, iters, calls = line.split("\t")
        counts[name] = (syscall, int(iters), int(calls))
    return counts


def insns():
    """case -> (ops at K1, instructions at K1, ops at K2, instructions at K2,
    instructions per operation)."""
    rows = {}
    path = OUT / "insns.tsv"
    for line in (path.read_text().splitlines() if path.exists() else []):
        name, ops1, ir1, ops2, ir2 = line.split("\t")
        ops1, ir1, ops2, ir2 = int(ops1), int(ir1), int(ops2), int(ir2)
        rows[name] = (ops1, ir1, ops2, ir2, (ir2 - ir1) / (ops2 - ops1))
    return rows


def fmt_insns(n):
    return f"{n:,.0f}" if n >= 100 else f"{n:.3g}"


def interleaved():
    """workload -> (median, lowest, highest) ns per iteration."""
    rows = {}
    for line in (OUT / "interleaved.tsv").read_text().splitlines():
        name, *times = line.split("\t")
        rows[name] = tuple(float(t) for t in times)
    return rows


def sizes():
    """name -> (bytes or None, path, description)."""
    rows = {}
    for line in (OUT / "sizes.tsv").read_text().splitlines():
        name, size, path, what = line.split("\t")
        rows[name] = (int(size) if size else None, path, what)
    return rows


def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def machine():
    model = "unknown"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return os.cpu_count(), model, platform.release()


def main():
    per_round = rounds()
    # full_id -> the median over the rounds of that round's median.
    means = {i: median([r[i][0] for r in per_round if i in r]) for r in per_round for i in r}
    counts = syscalls()
    turns = interleaved()
    per_op = insns()
    size_rows = sizes()
    rows = []  # (benchmark, bareio, anchor name, anchor, ratio, range, interleaved, instructions, note)
    more_insns = []  # (benchmark, anchor, bareio's, anchor's) where bareio runs more instructions
    missing = []

    def pair(label, ours, theirs, anchor, per=1.0, unit=fmt_ns, note=""):
        if ours not in means or theirs not in means:
            missing.extend(i for i in (ours, theirs) if i not in means)
            return
        ratios = [r[theirs][0] / r[ours][0] for r in per_round if ours in r and theirs in r]
        spread = f"{min(ratios):.2f} … {max(ratios):.2f}"
        inter = ""
        if ours in turns and theirs in turns:
            (a_med, a_min, _), (b_med, b_min, _) = turns[ours], turns[theirs]
            inter = f"{b_med / a_med:.2f} ({b_min / a_min:.2f})"
        a, b = means[ours], means[theirs]
        counted = ""
        if ours in per_op and theirs in per_op:
            i_ours, i_theirs = per_op[ours][4], per_op[theirs][4]
            counted = f"{fmt_insns(i_ours)} / {fmt_insns(i_theirs)} ({i_theirs / i_ours:.2f})"
            if i_ours > i_theirs:
                more_insns.append((label, anchor, i_ours, i_theirs))
        rows.append((label, unit(a / per), anchor, unit(b / per), median(ratios), spread, inter, counted, note))

    def calls_per(name, per_iter):
        syscall, iters, calls = counts[name]
        return calls / (iters * per_iter), syscall

    def events_per_s(ns):
        return f"{1e9 / ns / 1e6:.3g} M events/s"

    for anchor in ("mio", "polling"):
        notes = []
        for who in ("bareio", anchor):
            per_write, _ = calls_per(f"wake_burst/{who}", 1)
            writes = counts[f"wake_burst/{who}"][2]
            wakes = counts[f"wake_burst/{who}"][1] * WAKERS
            notes.append(f"{who}: {wakes / writes:,.0f} wakes per write" if writes else f"{who}: no write")
        pair("wake burst, 8 threads (per wake)", "wake_burst/bareio", f"wake_burst/{anchor}", anchor,
             per=WAKERS, note="; ".join(notes))
    for anchor in ("mio", "polling"):
        pair("wake round trip", "wake_round_trip/bareio", f"wake_round_trip/{anchor}", anchor)
    for anchor in ("mio", "polling"):
        pair("dispatch, 64 socketpairs (per event)", "dispatch/bareio", f"dispatch/{anchor}", anchor,
             unit=lambda ns: f"{fmt_ns(ns)} ({events_per_s(ns)})")
    writev_lists = (("1024x1B", "writev 1024 × 1 B"), ("1024x1B-1in8empty", "writev 1024 × 1 B, 1 in 8 empty"),
                    ("100000xmixed", "writev 100,000 × 0…64 KiB"))
    for param, label in writev_lists:
        notes = []
        for who in ("bareio", "std"):
            if f"writev/{who}/{param}" in counts:
                per_call, syscall = calls_per(f"writev/{who}/{param}", 1)
                notes.append(f"{who}: {per_call:g} {syscall} per call")
        pair(label, f"writev/bareio/{param}", f"writev/std/{param}", "std write_vectored", note="; ".join(notes))
        if f"writev_user_space/bareio/{param}" in means:
            pair(f"{label}, user space only", f"writev_user_space/bareio/{param}",
                 f"writev_user_space/std/{param}", "std write_vectored",
                 note="the syscall replaced by a function taking every byte")
    # Instruction counts of the relay rows come with their cases: a
    # `common::Case` named like the criterion benchmark (e.g.
    # "relay/transfer/1024" and "relay/copy/1024") in benches/splice.rs's
    # CASES is all it takes; `pair` finds it by name. TODO (the lead's
    # splice and relay work): `Transfer` at 1 KiB, and the relay per message.
    go = {1 << 10: "Go: 0.95x", 1 << 20: "Go: 1.89x"}
    relay_sizes = sorted({int(k.rsplit("/", 1)[1]) for k in means if k.startswith("relay/")})
    for size in relay_sizes:
        label = f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"
        pair(f"relay {label}: Transfer", f"relay/transfer/{size}", f"relay/copy/{size}", "read/write copy",
             note=go.get(size, ""))
        pair(f"relay {label}: raw splice", f"relay/splice/{size}", f"relay/copy/{size}", "read/write copy",
             note=go.get(size, ""))

    relay, echo = size_rows.get("relay"), size_rows.get("mio-echo")
    size_line = None
    if relay and echo and relay[0] and echo[0]:
        rows.append(("static binary size", f"{relay[0]:,} B", "mio echo (musl)", f"{echo[0]:,} B",
                     echo[0] / relay[0], "", "", "", "smaller is better: the ratio is mio's size ÷ bareio's"))
    else:
        size_line = relay[2] if relay else "relay not built"

    nproc, model, kernel = machine()
    seconds = int(os.environ["REPORT_SECONDS"])
    p = print
    p("# Benchmarks")
    p()
    p("bareio against its anchors, each pair measured side by side in the same run by")
    p("[`scripts/bench-report`](scripts/bench-report) (criterion benches in [`benches/`](benches/)).")
    p("This file is generated: edit the script or `benches/report-notes.md`, not this file.")
    p()
    n = len(per_round)
    p("**Ratio = anchor's time ÷ bareio's time**: above 1.00 bareio is faster (or, for")
    p("the size row, smaller), below 1.00 it is slower. The suite ran")
    p(f"{n} rounds; in each, criterion measured every benchmark (its median per iteration:")
    p("the machine is shared, and a mean follows other processes' noise). The ratio is")
    p("the median of the per-round ratios, the range its lowest and highest; the times")
    p("are the median over the rounds. Absolute times depend on the machine and its")
    p("load; the ratios are the headline.")
    p()
    p("**Interleaved** is a check of the same ratio without criterion: the bench binary")
    p("runs the subjects in turn, a fixed number of iterations each, round after round")
    p("(`BAREIO_BENCH_INTERLEAVE`, [`benches/common/mod.rs`](benches/common/mod.rs)), so a")
    p("load change hits every subject alike; it gives the ratio of the median times and,")
    p("in parentheses, of the lowest (the best case, least disturbed by other processes).")
    p("Where the two columns disagree, the machine's load moved the criterion ratio.")
    p()
    p("**Instructions per op** are user-space instructions per operation (for the wake")
    p("burst: per wake), bareio's / the anchor's (the anchor's ÷ bareio's in")
    p("parentheses: above 1.00 bareio runs fewer), counted by callgrind in one thread")
    p("running the same calls ([Instructions per operation](#instructions-per-operation)).")
    p("They are exact and do not move with the machine's load; they do not see the")
    p("kernel, so a syscall counts only its user-space side.")
    p()
    p("| | |")
    p("|---|---|")
    p(f"| machine | {nproc} CPUs (`nproc`), {model}, Linux {kernel} |")
    p(f"| load average | {os.environ.get('REPORT_LOAD_START', '?')} at the start, "
      f"{pathlib.Path('/proc/loadavg').read_text().split(' ', 1)[0]} at the end (1-minute, `/proc/loadavg`) |")
    p(f"| date | {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC |")
    p(f"| command | `{os.environ['REPORT_COMMAND']}` ({seconds} s) |")
    p(f"| rounds | {n} |")
    p(f"| criterion | `--warm-up-time {os.environ['REPORT_WARMUP']} --measurement-time "
      f"{os.environ['REPORT_MEASURE']} --sample-size {os.environ['REPORT_SAMPLES']}` "
      "(writev 100,000 chunks: 10 flat samples) |")
    p()
    p("| benchmark | bareio | anchor | anchor's | ratio | range | interleaved | instructions per op | notes |")
    p("|---|---:|---|---:|---:|---|---:|---:|---|")
    for label, ours, anchor, theirs, ratio, spread, inter, counted, note in rows:
        p(f"| {label} | {ours} | {anchor} | {theirs} | **{ratio:.2f}** | {spread} | {inter} | {counted} | {note} |")
    if size_line:
        theirs = f"{echo[0]:,} B" if echo and echo[0] else ""
        p(f"| static binary size | {size_line} | mio echo (musl) | {theirs} | | | | | |")
    p()
    if missing:
        p(f"Missing results (bench failed or filtered out): {', '.join(sorted(set(missing)))}.")
        p()
    slower = [f"{label} vs {anchor} ({ratio:.2f}, range {spread}"
              + (f"; interleaved {inter})" if inter else ")")
              for label, _, anchor, _, ratio, spread, inter, _, _ in rows if ratio < 0.97]
    p("## Where bareio is slower")
    p()
    if slower:
        p("In this run (median ratio below 0.97): " + "; ".join(slower) + ".")
    else:
        p("In this run, no median ratio is below 0.97.")
    p()
    if more_insns:
        p("More user-space instructions per operation than the anchor: "
          + "; ".join(f"{label} vs {anchor} ({fmt_insns(a)} against {fmt_insns(b)})"
                      for label, anchor, a, b in more_insns) + ".")
    else:
        p("No row has more user-space instructions per operation than its anchor.")
    p()
    notes = pathlib.Path("benches/report-notes.md")
    if notes.exists():
        p(notes.read_text().rstrip())
        p()
    p("## Sizes")
    p()
    for name, (size, path, what) in size_rows.items():
        p(f"- {name}: " + (f"{size:,} bytes, `{path}`: {what}" if size else what))
    p()
    p("## Syscall counts")
    p()
    p("Counted with `strace -f -c -e trace=SYSCALL` on the bench binary in count mode")
    p("(`BAREIO_BENCH_COUNT=NAME BAREIO_BENCH_ITERS=N`: the workload alone, no criterion,")
    p("no output). strace stops the process at every traced syscall, which makes each")
    p("eventfd write far slower than it is: the waiting thread runs less often, so more")
    p("wakes are merged into one write than without strace. The wake-burst counts show")
    p("whether a library deduplicates, not its rate at full speed.")
    p()
    p("| workload | iterations | syscall | calls |")
    p("|---|---:|---|---:|")
    for name, (syscall, iters, calls) in counts.items():
        p(f"| {name} | {iters:,} | {syscall} | {calls:,} |")
    p()
    p("## Instructions per operation")
    p()
    p("Counted with `valgrind --tool=callgrind` on the bench binary in instruction mode")
    p("(`BAREIO_BENCH_INSNS=NAME BAREIO_BENCH_ITERS=K`, [`benches/common/mod.rs`](benches/common/mod.rs)):")
    p("each case is its workload's calls on one thread (the wake cases make each wake")
    p("before the wait it ends, so no wait blocks; the writev cases write to `/dev/null`),")
    p("run for K1 and K2 = 2 × K1 operations, counting only inside the function that runs")
    p("the case (`--toggle-collect`); per operation = (instructions at K2 − at K1) ÷")
    p("(operations at K2 − at K1), so the setup drops out. User space only: the kernel's")
    p("side of a syscall is not counted, and glibc's syscall wrappers (std, mio,")
    p("polling) are.")
    p()
    p("| case | operations (K1, K2) | instructions (K1, K2) | per operation |")
    p("|---|---:|---:|---:|")
    for name, (ops1, ir1, ops2, ir2, each) in per_op.items():
        p(f"| {name} | {ops1:,}, {ops2:,} | {ir1:,}, {ir2:,} | {fmt_insns(each)} |")
    p()
    p("## Every criterion result")
    p()
    p("Criterion's median per iteration in each round, its mean in parentheses (an")
    p("iteration is, for wake_burst: 8 wakes; dispatch: one event; writev: one call;")
    p("relay: one message of that many bytes).")
    p()
    p("| benchmark | " + " | ".join(f"round {i + 1}" for i in range(n)) + " |")
    p("|---|" + "---:|" * n)
    for full_id in sorted(means):
        cells = [f"{fmt_ns(r[full_id][0])} ({fmt_ns(r[full_id][1])})" if full_id in r else "" for r in per_round]
        p(f"| {full_id} | " + " | ".join(cells) + " |")
    if not rows:
        sys.exit("bench-report.py: no results")


if sys.argv[1:] == ["collect"]:
    json.dump(collect(), sys.stdout, indent=0, sort_keys=True)
else:
    main()
