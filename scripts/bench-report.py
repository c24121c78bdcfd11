#!/usr/bin/env python3
"""The report half of scripts/bench-report, which calls it:

- `bench-report.py collect`: after each round, prints the round's criterion
  results (target/criterion/**/new/{benchmark,estimates}.json) as JSON;
- `bench-report.py`: writes BENCHMARKS.md (to stdout) from every round's
  results, the syscall counts, the instruction counts and the binary
  sizes, with the REPORT_* variables the script sets; then the relay
  section, from this run's target/bench-report/relay/results.json if there
  is one, else as it stands in the current BENCHMARKS.md;
- `bench-report.py relay`: writes BENCHMARKS.md (to stdout) as it stands,
  with the relay section replaced by this run's (benches/relay/run.py's
  results.json): the section is re-run alone after each relay change."""

import datetime
import json
import os
import pathlib
import platform
import re
import sys

OUT = pathlib.Path(os.environ.get("REPORT_OUT", "target/bench-report"))
RELAY_RESULTS = OUT / "relay" / "results.json"
RELAY_BEGIN = ("<!-- The relay section: written by `scripts/bench-report relay` (benches/relay/run.py); "
               "edit benches/relay/report-notes.md or the scripts, not this. -->")
RELAY_END = "<!-- End of the relay section. -->"
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
    p("The relay against haproxy, socat, rinetd and a Go relay, with a load generator of")
    p("the project's own: [Relay side by side](#relay-side-by-side) (its own run, date and load).")
    p()
    p("| | |")
    p("|---|---|")
    p(f"| machine | {nproc} CPUs (`nproc`), {model}, Linux {kernel} |")
    p(f"| load average | {os.environ.get('REPORT_LOAD_START', '?')} at the start, "
      f"{os.environ.get('REPORT_LOAD_END') or pathlib.Path('/proc/loadavg').read_text().split(' ', 1)[0]} "
      "at the end (1-minute, `/proc/loadavg`) |")
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
    include_notes(p, "benches/report-notes.md")
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
    p()
    relay = relay_lines(json.loads(RELAY_RESULTS.read_text())) if RELAY_RESULTS.exists() else old_relay_section()
    for line in relay or []:
        p(line)


def include_notes(p, path):
    """Prints the hand-written notes at `path`, if there are any."""
    notes = pathlib.Path(path)
    if notes.exists():
        p(notes.read_text().rstrip())
        p()


def old_relay_section():
    """The relay section of the current BENCHMARKS.md, markers included."""
    path = pathlib.Path("BENCHMARKS.md")
    text = path.read_text() if path.exists() else ""
    if RELAY_BEGIN not in text or RELAY_END not in text:
        return None
    begin, end = text.index(RELAY_BEGIN), text.index(RELAY_END) + len(RELAY_END)
    return text[begin:end].splitlines()


def replace_relay_section():
    """BENCHMARKS.md as it stands, with this run's relay section."""
    if not RELAY_RESULTS.exists():
        sys.exit(f"bench-report.py relay: no {RELAY_RESULTS}")
    path = pathlib.Path("BENCHMARKS.md")
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = "\n".join(relay_lines(json.loads(RELAY_RESULTS.read_text())))
    if RELAY_BEGIN in text and RELAY_END in text:
        begin, end = text.index(RELAY_BEGIN), text.index(RELAY_END) + len(RELAY_END)
        text = text[:begin] + section + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# The relay section ----------------------------------------------------------

def fmt_kib(kib):
    if kib >= 1 << 20:
        return f"{kib / (1 << 20):.3g} GiB"
    if kib >= 1 << 10:
        return f"{kib / (1 << 10):.3g} MiB"
    return f"{kib:.0f} KiB"


def fmt_rate(mode, value):
    return f"{value:,.0f}"


class RelayData:
    """results.json of benches/relay/run.py, indexed."""

    def __init__(self, results):
        self.r = results
        self.peers = [name for name in results["peers"]]
        self.rounds = {}
        for rec in results.get("runs", []):
            self.rounds.setdefault((rec["row"], rec["peer"]), []).append(rec)
        self.notes = []  # footnotes, numbered in order over the whole section
        self.printed = 0  # how many of them are printed already

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)
        return f"[{self.notes.index(text) + 1}]"

    def flush_notes(self, p):
        """Prints the notes not printed under an earlier table."""
        for i, text in enumerate(self.notes[self.printed:], self.printed + 1):
            p(f"{i}. {text}")
        if len(self.notes) > self.printed:
            p()
        self.printed = len(self.notes)

    def label(self, peer):
        return "direct (no relay)" if peer == "direct" else self.r["peers"][peer]["label"]

    def ok_runs(self, row, peer):
        return [rec for rec in self.rounds.get((row, peer), []) if rec.get("result") and rec["result"].get("ok")]

    def trouble(self, row, peer):
        """A cell's text when the peer could not do the row, else None."""
        if peer != "direct" and self.r["peers"][peer].get("missing"):
            return "n/a" + self.note(f"{self.label(peer)}: not run: {self.r['peers'][peer]['missing']}.")
        recs = self.rounds.get((row, peer), [])
        if not recs:
            return ""
        for rec in recs:
            if rec.get("cannot"):
                return "cannot" + self.note(f"{self.label(peer)}, {row}: {rec['cannot']}.")
            if rec.get("error"):
                return "error" + self.note(f"{self.label(peer)}, {row}: {rec['error']}.")
        bad = [rec for rec in recs if not rec["result"].get("ok")]
        if not bad:
            return None
        res = bad[0]["result"]
        failure = res.get("failure") or "failed"
        if res.get("mode") == "idle":
            return f"held {res.get('established', 0):,} of {res['conns']:,}" + self.note(
                f"{self.label(peer)}, {row}: {res.get('failed_conns', 0):,} connections failed; the first: {failure}.")
        kind = "loses data" if re.search(r"lost data|corrupt|more than", failure) else "fails"
        return kind + self.note(f"{self.label(peer)}, {row}: in {len(bad)} of {len(recs)} rounds; "
                                f"{res.get('failed_conns', 0):,} of {res['conns']:,} connections failed, the first: "
                                f"{failure}.")

    def cells(self, row, peers, fill):
        """One cell per peer: what kept it from the row, else fill(peer)."""
        out = []
        for peer in peers:
            bad = self.trouble(row, peer)
            out.append(bad if bad is not None else fill(peer))
        return out

    def per_round(self, row, peer, value):
        """{round: value(result)} of the peer's intact runs."""
        return {rec["round"]: value(rec["result"]) for rec in self.ok_runs(row, peer)}


def rate_of(res):
    return res["mib_per_s"] if res["mode"] == "bulk" else res["trips_per_s"]


def cpu_per_unit(res):
    """Relay CPU per unit of work: s per GiB moved, µs per round trip."""
    if "relay_cpu_s" not in res:
        return None
    if res["mode"] == "bulk":
        return res["relay_cpu_s"] / (res["moved"] / (1 << 30))
    return res["relay_cpu_s"] / res["trips"] * 1e6 if res["trips"] else None


def relay_lines(results):
    d = RelayData(results)
    meta = results["meta"]
    out = []
    p = lambda line="": out.append(line)  # noqa: E731
    peers = [x for x in d.peers]
    others = [x for x in peers if x != "bareio"]
    rows = results["rows"]
    rate_rows = [r for r in rows if r["mode"] in ("bulk", "rr")]
    idle_rows = [r for r in rows if r["mode"] == "idle"]

    p(RELAY_BEGIN)
    p()
    p("## Relay side by side")
    p()
    p("bareio-relay (`scripts/build-relay`) against the relays an operator would otherwise")
    p("reach for, each started fresh for every run on loopback in front of the same upstream,")
    p("and driven by the same load generator ([`benches/relay/`](benches/relay/): a Rust")
    p("epoll client and echo server that check every byte that comes back). `bulk N × M`:")
    p("N connections each send M bytes, end their output, and read the M bytes back (rate:")
    p("bytes both ways ÷ time). `rr N × S`: N connections each doing request/response round")
    p("trips of S bytes, one outstanding per connection, for")
    p(f"{meta['rr_seconds']:g} s after a warm-up round trip each. A run that loses, corrupts or adds")
    p("a byte, stalls or is reset has no rate: it is marked. **Ratios are bareio's")
    p("advantage**: bareio ÷ peer for rates, peer ÷ bareio for costs (CPU, memory, syscalls,")
    p("instructions, size), so above 1.00 bareio is better, below 1.00 the peer is; each is")
    p(f"the median of the per-round ratios over {meta['rounds']} rounds (the peers in a different order each")
    p("round). `direct` is the load generator against the echo server with no relay: the")
    p("ceiling the harness allows on this machine. Everything shares the machine's")
    p(f"{meta['cpus']} CPUs: load generator, echo server and relay.")
    p()
    p("| | |")
    p("|---|---|")
    p(f"| machine | {meta['cpus']} CPUs (`nproc`), {meta['model']}, Linux {meta['kernel']} |")
    p(f"| load average | {meta['load_start']} at the start, {meta['load_end']} at the end (1-minute, `/proc/loadavg`) |")
    p(f"| date | {meta['date']} |")
    p(f"| command | `{meta.get('command', 'scripts/bench-report relay')}` (this section: {meta['seconds']} s; "
      f"{meta['rounds']} rounds, rr runs of {meta['rr_seconds']:g} s) |")
    for peer in peers:
        info = results["peers"][peer]
        base = "bareio" if peer.startswith("bareio") else peer
        ver = results["versions"].get(base, "")
        p(f"| {info['label']} | {ver}{'; ' if ver and info['note'] else ''}{info['note']} |")
    p()

    header = "| workload | " + " | ".join(d.label(x) for x in peers) + " | direct (no relay) |"
    rule = "|---|" + "---:|" * (len(peers) + 1)

    p("### Rates")
    p()
    p("MiB/s for bulk, round trips/s for rr, the median over the rounds; in parentheses bareio's")
    p("rate ÷ the peer's: the median of the per-round ratios, then their lowest and highest.")
    p()
    p(header)
    p(rule)
    for row in rate_rows:
        key = row["key"]
        ours = d.per_round(key, "bareio", rate_of)

        def rate_cell(peer):
            theirs = d.per_round(key, peer, rate_of)
            value = f"{median(list(theirs.values())):,.0f}"
            ratios = [ours[r] / theirs[r] for r in theirs if r in ours and theirs[r] > 0]
            if peer not in ("bareio", "direct") and ratios:
                value += f" ({median(ratios):.2f}" + (f", {min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ")")
            return value
        cells = d.cells(key, peers + ["direct"], rate_cell)
        unit = "MiB/s" if row["mode"] == "bulk" else "round trips/s"
        p(f"| {key}, {unit} | " + " | ".join(cells) + " |")
    p()
    d.flush_notes(p)

    def cost_table(title, intro, value, unit_text, kind):
        p(f"### {title}")
        p()
        p(intro)
        p()
        p("| workload | " + " | ".join(d.label(x) for x in peers) + " |")
        p("|---|" + "---:|" * len(peers))
        for row in rate_rows:
            key = row["key"]
            ours = d.per_round(key, "bareio", value)

            def cost_cell(peer):
                theirs = {r: v for r, v in d.per_round(key, peer, value).items() if v is not None}
                if not theirs:
                    return ""
                text = unit_text(row, median(list(theirs.values())), key, peer)
                # A run too short for one clock tick of CPU has no ratio.
                ratios = [theirs[r] / ours[r] for r in theirs if ours.get(r) and theirs[r]]
                if peer != "bareio" and ratios:
                    text += f" ({median(ratios):.2f})"
                return text
            p(f"| {key} | " + " | ".join(d.cells(key, peers, cost_cell)) + " |")
        p()
        d.flush_notes(p)

    def cpu_text(row, unit, key, peer):
        total = median([rec["result"]["relay_cpu_s"] for rec in d.ok_runs(key, peer)])
        if total == 0:
            return "under one 10 ms tick"
        per = f"{unit:.2f} s/GiB" if row["mode"] == "bulk" else f"{unit:.1f} µs/trip"
        return f"{per}, {total:.2f} s"

    cost_table("Relay CPU time",
               "User + system time of the relay's processes during the run, children included "
               "(`/proc/PID/stat` utime + stime + cutime + cstime, summed over the relay and its "
               "descendants, at the start and the end of the run; clock ticks of 10 ms), per unit of work "
               "(CPU seconds per GiB moved, CPU µs per round trip) and in all; in parentheses the peer's "
               "per unit ÷ bareio's.", cpu_per_unit, cpu_text, "cpu")
    cost_table("Peak relay memory",
               "Peak resident memory of the relay over the run: its `VmHWM`; for a relay of several "
               "processes (socat: one per connection), the highest sum of `VmRSS` over its processes, "
               "sampled every 100 ms, which counts the pages they share once per process; in "
               "parentheses the peer's ÷ bareio's.",
               lambda res: res.get("relay_peak_rss_kib"), lambda row, v, key, peer: fmt_kib(v), "rss")

    if idle_rows:
        p("### Idle connections: memory")
        p()
        p("Connections opened through the relay (each proven end to end: one byte out and the")
        p("same byte back) and held while the relay's memory is read: the sum of `VmRSS` over")
        p("its processes, and of `Pss` (`/proc/PID/smaps_rollup`: a page shared by k processes")
        p("counts 1/k), which is the fair figure for a forking relay; in parentheses the peer's ÷")
        p("bareio's. The load generator raises its soft fd limit to the hard limit")
        p(f"({meta['fd_limit']:,}); each relay gets the same limit.")
        p()
        p("| | " + " | ".join(d.label(x) for x in peers) + " |")
        p("|---|" + "---:|" * len(peers))
        first = idle_rows[0]["key"]
        cells = []
        for peer in peers:
            runs = d.ok_runs(first, peer)
            cells.append(fmt_kib(runs[0]["result"]["relay_rss_before_kib"]) if runs
                         and "relay_rss_before_kib" in runs[0]["result"] else "")
        p("| RSS at start (no connection) | " + " | ".join(cells) + " |")
        held = {}
        for row in idle_rows:
            key = row["key"]
            for field, name in (("relay_rss_kib", "RSS"), ("relay_pss_kib", "PSS")):
                ours = d.ok_runs(key, "bareio")

                def held_cell(peer):
                    res = d.ok_runs(key, peer)[0]["result"]
                    held[(key, peer, field)] = res[field]
                    text = fmt_kib(res[field])
                    if peer != "bareio" and ours and ours[0]["result"].get(field):
                        text += f" ({res[field] / ours[0]['result'][field]:.2f})"
                    return text
                p(f"| {name} holding {row['conns']:,} | " + " | ".join(d.cells(key, peers, held_cell)) + " |")
        if len(idle_rows) >= 2:
            (a, b) = idle_rows[0], idle_rows[-1]
            cells = []
            for peer in peers:
                x, y = held.get((a["key"], peer, "relay_pss_kib")), held.get((b["key"], peer, "relay_pss_kib"))
                cells.append(f"{(y - x) * 1024 / (b['conns'] - a['conns']) / 1024:.1f} KiB"
                             if x is not None and y is not None else "")
            p(f"| PSS per connection ({a['conns']:,} → {b['conns']:,}) | " + " | ".join(cells) + " |")
        p()
        d.flush_notes(p)

    counted = meta["counted"]
    size = counted["size"]
    size = f"{size[:-1]} KiB" if size.endswith("K") else f"{size} B"
    counted_load = f"rr {counted['conns']} × {size}"
    st = results.get("strace", {})
    if st:
        p("### Syscalls per relayed message")
        p()
        p(f"`strace -f -c` of the relay (its threads and child processes too) under {counted_load}, run twice, for {counted['strace_k']:,} and {2 * counted['strace_k']:,} round trips "
          "(each connection one warm-up round trip more); per message = the difference ÷ the messages relayed in "
          "between (two per round trip: the request and the response), so start-up and connection set-up drop "
          "out. *I/O* calls move bytes (`" + "`, `".join(meta["io_syscalls"]) + "`): the issue's \"3 per "
          "message: read, write and a read that returns EAGAIN\" counts these; *failed* are those that returned "
          "an error (EAGAIN); *waits* are `epoll_wait` & co.; *all* is every syscall. strace stops the relay at "
          "each call, so its batching differs from a free run: these are counts, not times. In parentheses the "
          "peer's ÷ bareio's.")
        p()
        p("| per relayed message | " + " | ".join(d.label(x) for x in peers) + " |")
        p("|---|" + "---:|" * len(peers))
        io = set(meta["io_syscalls"])
        waits = set(meta["wait_syscalls"])

        def sums(peer):
            per = st[peer]["per_message"]
            return {
                "I/O syscalls": sum(v[0] for s, v in per.items() if s in io),
                "of them failed": sum(v[1] for s, v in per.items() if s in io),
                "waits": sum(v[0] for s, v in per.items() if s in waits),
                "all syscalls": sum(v[0] for v in per.values()),
            }
        for what in ("I/O syscalls", "of them failed", "waits", "all syscalls"):
            cells = []
            for peer in peers:
                if peer not in st:
                    cells.append(d.trouble(counted_row(), peer) or "n/a")
                    continue
                if "error" in st[peer]:
                    cells.append("error" + d.note(f"{d.label(peer)}, strace: {st[peer]['error']}."))
                    continue
                v = sums(peer)[what]
                text = f"{v:.2f}"
                if peer != "bareio" and "bareio" in st and "error" not in st["bareio"] and what != "of them failed":
                    mine = sums("bareio")[what]
                    if mine:
                        text += f" ({v / mine:.2f})"
                cells.append(text)
            p(f"| {what} | " + " | ".join(cells) + " |")
        p()
        d.flush_notes(p)
        p("By syscall (calls per message, failed in parentheses; 0.01 or more):")
        p()
        for peer in peers:
            if peer in st and "error" not in st[peer]:
                per = sorted(st[peer]["per_message"].items(), key=lambda kv: -kv[1][0])
                parts = [f"`{s}` {v[0]:.2f}" + (f" ({v[1]:.2f})" if v[1] >= 0.005 else "")
                         for s, v in per if v[0] >= 0.005]
                p(f"- {d.label(peer)}: " + ", ".join(parts))
        p()

    cg = results.get("callgrind", {})
    if cg:
        p("### Instructions per relayed message")
        p()
        p(f"User-space instructions of the relay per relayed message (`valgrind --tool=callgrind`, the "
          f"whole process, every thread; a forking relay's children counted as they exit): the relay runs "
          f"under callgrind, its counters are dumped (`callgrind_control -d`) after a warm-up of "
          f"{5 * counted['conns']:,} round trips, after "
          f"{counted_load} for {counted['callgrind_k']:,} round trips and after "
          f"{2 * counted['callgrind_k']:,} more; per message = (the second count − the first) ÷ "
          f"{2 * counted['callgrind_k']:,}. The machine's speed does not move them, but timing does a "
          "little: a relay that handles several events per wait shares the wait's instructions among them, "
          "and how many come together depends on timing (see the notes for the spread over runs). The "
          "kernel's side of each syscall is not in them. In parentheses the peer's ÷ bareio's.")
        p()
        p("| | " + " | ".join(d.label(x) for x in peers) + " |")
        p("|---|" + "---:|" * len(peers))
        cells = []
        for peer in peers:
            got = cg.get(peer)
            if not got:
                cells.append(d.trouble(counted_row(), peer) or "n/a")
            elif "error" in got:
                cells.append("error" + d.note(f"{d.label(peer)}, callgrind: {got['error']}."))
            else:
                text = f"{got['per_message']:,.0f}"
                mine = cg.get("bareio", {}).get("per_message")
                if peer != "bareio" and mine:
                    text += f" ({got['per_message'] / mine:.2f})"
                if got.get("env"):
                    text += d.note(f"{d.label(peer)} under callgrind: "
                                   + ", ".join(f"`{k}={v}`" for k, v in got["env"].items())
                                   + " (valgrind asserts on Go's preemption signals otherwise).")
                cells.append(text)
        p("| instructions per message | " + " | ".join(cells) + " |")
        p()
        d.flush_notes(p)

    sz = results.get("sizes", {})
    if sz:
        p("### Binary size")
        p()
        p("The executable, and the executable with the shared libraries `ldd` lists for it (what")
        p("it needs to run); in parentheses the peer's ÷ bareio's.")
        p()
        names = [x for x in peers if x in sz]
        p("| | " + " | ".join(d.label(x) for x in names) + " |")
        p("|---|" + "---:|" * len(names))
        for field, what in (("bytes", "executable"), ("with_libs", "with shared libraries")):
            cells = []
            for peer in names:
                text = f"{sz[peer][field]:,} B"
                if peer != "bareio" and "bareio" in sz:
                    ratio = sz[peer][field] / sz["bareio"][field]
                    text += f" ({ratio:.0f})" if ratio >= 10 else f" ({ratio:.1f})"
                cells.append(text)
            p(f"| {what} | " + " | ".join(cells) + " |")
        p("| kind | " + " | ".join(sz[x]["file"].replace("ELF 64-bit LSB ", "") +
                                  (f", {len(sz[x]['libs'])} libraries" if sz[x]["libs"] else ", static")
                                  for x in names) + " |")
        p()

    include_notes(p, "benches/relay/report-notes.md")

    p("### Every run")
    p()
    p("Each run's figures as the load generator reported them: the relay's CPU seconds and peak")
    p("memory, the echo server's and the load generator's own CPU seconds (all on the same")
    p("2 CPUs), and for rr the median and 99th-percentile round-trip time.")
    p()
    p("| workload | relay | round | result | relay CPU | relay peak RSS | echo CPU | loadgen CPU | p50 / p99 |")
    p("|---|---|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        for peer in peers + ["direct"]:
            for rec in d.rounds.get((row["key"], peer), []):
                res = rec.get("result") or {}
                if rec.get("cannot") or rec.get("error"):
                    text = (rec.get("cannot") or rec.get("error")).replace("|", "\\|")
                elif not res.get("ok"):
                    text = "FAILED: " + (res.get("failure") or "").replace("|", "\\|")
                elif res["mode"] == "idle":
                    text = f"{res['established']:,} held in {res['seconds']:.2f} s"
                elif res["mode"] == "bulk":
                    text = f"{res['mib_per_s']:,.0f} MiB/s ({res['seconds']:.2f} s)"
                else:
                    text = f"{res['trips_per_s']:,.0f} round trips/s ({res['trips']:,})"
                lat = f"{res['p50_us']:,} / {res['p99_us']:,} µs" if res.get("mode") == "rr" and res.get("ok") else ""
                cpu = f"{res['relay_cpu_s']:.2f} s" if "relay_cpu_s" in res else ""
                rss = fmt_kib(res["relay_peak_rss_kib"]) if "relay_peak_rss_kib" in res else ""
                if res.get("relay_max_processes", 1) > 1:
                    rss += f" ({res['relay_max_processes']:,} processes)"
                echo = f"{res['echo_cpu_s']:.2f} s" if "echo_cpu_s" in res else ""
                own = f"{res['loadgen_cpu_s']:.2f} s" if "loadgen_cpu_s" in res else ""
                p(f"| {row['key']} | {d.label(peer)} | {rec['round']} | {text} | {cpu} | {rss} | {echo} | {own} | {lat} |")
    p()
    p(RELAY_END)
    return out


def counted_row():
    return "the counted workload"


if sys.argv[1:] == ["collect"]:
    json.dump(collect(), sys.stdout, indent=0, sort_keys=True)
elif sys.argv[1:] == ["relay"]:
    replace_relay_section()
else:
    main()
