#!/usr/bin/env python3
"""The relay section of scripts/bench-report: bareio-relay and its peers side
by side on loopback, the same workloads from the same load generator against
the same upstream echo server (benches/relay/README.md).

    benches/relay/run.py --out DIR --loadgen PATH --bareio PATH --go PATH

writes DIR/results.json (every run, the syscall and instruction counts, the
sizes) and the peers' logs and configs under DIR. scripts/bench-report
builds the programs, then calls this, then scripts/bench-report.py renders
the section from results.json.

Settings (environment): RELAY_ROUNDS (default 5: every rate row runs that
many times per peer, the peers in a different order each round),
RELAY_SECONDS (default 0.6: the length of each request/response run),
RELAY_PEERS (comma-separated names: only those peers), RELAY_ROWS
(comma-separated row keys: only those rows)."""

import argparse
import datetime
import glob
import json
import os
import pathlib
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

# (key, mode, connections, bytes per connection or message size)
ROWS = [
    ("bulk 1 × 256 MiB", "bulk", 1, "256M"),
    ("bulk 8 × 64 MiB", "bulk", 8, "64M"),
    ("bulk 64 × 4 MiB", "bulk", 64, "4M"),
    ("rr 1 × 1 B", "rr", 1, "1"),
    ("rr 64 × 1 B", "rr", 64, "1"),
    ("rr 200 × 1 B", "rr", 200, "1"),
    ("rr 1 × 1 KiB", "rr", 1, "1K"),
    ("rr 64 × 1 KiB", "rr", 64, "1K"),
    ("rr 200 × 1 KiB", "rr", 200, "1K"),
    ("rr 1 × 16 KiB", "rr", 1, "16K"),
    ("rr 64 × 16 KiB", "rr", 64, "16K"),
    ("rr 200 × 16 KiB", "rr", 200, "16K"),
    ("idle 250", "idle", 250, None),
    ("idle 8,000", "idle", 8000, None),
]
# The counted workloads (strace, callgrind): request/response, 64
# connections, 1 KiB, K and then 2K round trips; per relayed message =
# the difference over 2K (each round trip relays two messages, the request
# and the response), so start-up and connection set-up drop out.
COUNTED_CONNS, COUNTED_SIZE, STRACE_K, CALLGRIND_K = 64, "1K", 2000, 3200
IO_SYSCALLS = {"read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "recvmmsg",
               "sendmmsg", "splice", "tee", "vmsplice", "sendfile", "copy_file_range", "pread64", "pwrite64"}
WAIT_SYSCALLS = {"epoll_wait", "epoll_pwait", "epoll_pwait2", "select", "pselect6", "poll", "ppoll", "io_uring_enter"}

ECHO_HOST = "127.0.0.1"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def listening(port):
    """Whether some socket listens on `port` (any local address)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = pathlib.Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].rsplit(":", 1)[1] == f"{port:04X}" and fields[3] == "0A":
                return True
    return False


def ports_in_use():
    used = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in pathlib.Path(table).read_text().splitlines()[1:]:
                used.add(int(line.split()[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return used


class Ports:
    """Listening ports below the ephemeral range, a fresh one per start."""

    def __init__(self):
        self.next = 21000 + os.getpid() % 4000

    def take(self):
        used = ports_in_use()
        while self.next in used:
            self.next += 1
        port = self.next
        self.next = self.next + 1 if self.next < 32000 else 21000
        return port


def tree(pid):
    """`pid` and its live descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for children in glob.glob(f"/proc/{p}/task/*/children"):
            try:
                todo.extend(int(c) for c in pathlib.Path(children).read_text().split())
            except OSError:
                pass
    return out


def stop_tree(proc, sig=signal.SIGTERM, grace=5.0):
    """Stops a peer we started, and the processes it started (by pid)."""
    if proc.poll() is not None:
        return proc.returncode
    pids = tree(proc.pid)
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    for p in tree(proc.pid) + pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    # Children (socat's) may outlive their parent for a moment.
    deadline = time.time() + grace
    while time.time() < deadline and any(pathlib.Path(f"/proc/{p}").exists() and not zombie(p) for p in pids):
        time.sleep(0.05)
    return proc.returncode


def zombie(pid):
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def first_line(path, limit=300):
    try:
        for line in pathlib.Path(path).read_text(errors="replace").splitlines():
            if line.strip():
                return line.strip()[:limit]
    except OSError:
        pass
    return ""


def telling_line(path):
    """The first line of a log that names a failure, else its first line."""
    try:
        lines = pathlib.Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    for line in lines:
        if re.search(r"Assertion|[Ee]rror|failed|fatal|panic", line):
            return line.strip()[:300]
    return first_line(path)


def usage_text(binary):
    """What bareio-relay prints with no arguments (its options)."""
    done = subprocess.run([binary], capture_output=True, text=True, timeout=10)
    return done.stdout + done.stderr


class Peer:
    """One relay: how to start it on `port` towards the echo server."""

    def __init__(self, name, label, binary, argv, note="", missing=None, callgrind_env=None, workers=False):
        self.name, self.label, self.binary, self.note = name, label, binary, note
        self.workers = workers  # its children are long-lived workers (not counted by callgrind)
        self.argv = argv  # fn(port, echo_port, conns, out) -> argv
        self.missing = missing  # why it cannot run at all
        self.callgrind_env = callgrind_env or {}  # what it needs under valgrind

    def command(self, port, echo_port, conns, out):
        return self.argv(port, echo_port, conns, out)


def bareio_peers(binary, probe):
    """bareio-relay, and with `--workers 2` if it takes that option: each
    option is tried (`probe`: does the relay start and listen with it?)."""
    usage = usage_text(binary)
    quiet = probe(binary, ["--quiet"]) is None
    refused = probe(binary, ["--workers", "2"])
    default_max = 256
    m = re.search(r"--max N\b[^\n]*?default\D*(\d+)", usage)
    if m:
        default_max = int(m.group(1))

    def argv(extra):
        def make(port, echo_port, conns, out):
            cmd = [binary, f"127.0.0.1:{port}", f"{ECHO_HOST}:{echo_port}"]
            if conns > default_max:
                cmd += ["--max", str(conns)]
            if quiet:
                cmd.append("--quiet")
            return cmd + extra
        return make

    flags = "--quiet" if quiet else "no `--quiet` (refused): its stderr to a log file"
    peers = [Peer("bareio", "bareio", binary, argv([]),
                  note=f"`--max N` when a row needs more than its default {default_max}; {flags}")]
    peers.append(Peer("bareio-w2", "bareio --workers 2", binary, argv(["--workers", "2"]),
                      note="as above, `--workers 2`",
                      missing=f"the relay refuses `--workers 2` ({refused})" if refused else None,
                      workers=True))
    return peers, usage


def haproxy_config(port, echo_port, conns, out):
    path = out / f"haproxy-{port}.cfg"
    path.write_text(f"""# generated by benches/relay/run.py: tcp mode, loopback only
global
    # Room for the largest idle row; haproxy raises its fd limit from this.
    maxconn 9000
    # nbthread: haproxy's default, one thread per CPU it may run on.
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend relay
    bind 127.0.0.1:{port}
    default_backend echo
backend echo
    server echo {ECHO_HOST}:{echo_port}
""")
    return ["haproxy", "-f", str(path), "-db", "-q"]


def rinetd_config(port, echo_port, conns, out):
    path = out / f"rinetd-{port}.conf"
    path.write_text(f"# generated by benches/relay/run.py\n127.0.0.1 {port} {ECHO_HOST} {echo_port}\n")
    return ["rinetd", "-f", "-c", str(path)]


def all_peers(args, probe):
    peers, usage = bareio_peers(args.bareio, probe)
    go = Peer("go", "Go io.Copy", args.go, lambda p, e, n, o: [args.go, f"127.0.0.1:{p}", f"{ECHO_HOST}:{e}"],
              note="benches/relay/go-relay/main.go: two goroutines per connection, io.Copy, CloseWrite",
              # Go preempts goroutines with SIGURG; callgrind's signal
              # bookkeeping asserts on it now and then. Off for that run only.
              callgrind_env={"GODEBUG": "asyncpreemptoff=1"})
    haproxy = Peer("haproxy", "haproxy", shutil.which("haproxy"), haproxy_config,
                   note="tcp mode, maxconn 9000, default threads and buffers (no splice-auto)")
    socat = Peer("socat", "socat", shutil.which("socat"),
                 lambda p, e, n, o: ["socat", f"TCP-LISTEN:{p},bind=127.0.0.1,fork,reuseaddr,backlog=1024",
                                     f"TCP:{ECHO_HOST}:{e}"],
                 note="`TCP-LISTEN:PORT,bind=127.0.0.1,fork,reuseaddr,backlog=1024 TCP:…`: a process per connection")
    rinetd = Peer("rinetd", "rinetd", shutil.which("rinetd"), rinetd_config, note="one forwarding rule, foreground")
    for peer in (haproxy, socat, rinetd):
        if not peer.binary:
            peer.missing = f"{peer.name} is not installed"
    order = peers + [go, haproxy, socat, rinetd]
    if os.environ.get("RELAY_PEERS"):
        wanted = os.environ["RELAY_PEERS"].split(",")
        order = [p for p in order if p.name in wanted]
    return order, usage


def version(cmd):
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except OSError:
        return ""
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0].strip() if text else ""


def versions(args):
    socat = ""
    for line in subprocess.run(["socat", "-V"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("socat version"):
            socat = line.strip()
    relay_commit = subprocess.run(["git", "log", "-1", "--format=%h %cs", "--", "relay", "src"],
                                  capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "relay", "src"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "bareio": f"relay/ and src/ at {relay_commit}" + (" with uncommitted changes" if dirty else ""),
        "go": version(["go", "version"]),
        "haproxy": version(["haproxy", "-v"]),
        "socat": socat,
        "rinetd": version(["rinetd", "--version"]),
    }


def sizes(peers):
    out = {}
    for peer in peers:
        if not peer.binary or peer.name in out or peer.name == "bareio-w2":
            continue
        path = os.path.realpath(peer.binary)
        libs = []
        ldd = subprocess.run(["ldd", path], capture_output=True, text=True)
        for line in ldd.stdout.splitlines():
            m = re.search(r"(/\S+) \(0x", line)
            if m and os.path.exists(m.group(1)):
                libs.append(os.path.realpath(m.group(1)))
        file_type = subprocess.run(["file", "-b", path], capture_output=True, text=True).stdout.strip()
        out[peer.name] = {
            "path": peer.binary,
            "bytes": os.path.getsize(path),
            "with_libs": os.path.getsize(path) + sum(os.path.getsize(lib) for lib in set(libs)),
            "libs": sorted(set(libs)),
            "file": file_type.split(",")[0] + (", stripped" if "not stripped" not in file_type else ", not stripped"),
        }
    return out


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = pathlib.Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.ports = Ports()
        self.echo = None
        self.echo_port = None

    def start_echo(self):
        self.echo_port = self.ports.take()
        self.echo = subprocess.Popen([self.args.loadgen, "echo", f"{ECHO_HOST}:{self.echo_port}"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=open(self.out / "echo.log", "w"), text=True)
        line = self.echo.stdout.readline()
        if not line:
            sys.exit("relay bench: the echo server did not start (see echo.log)")

    def probe(self, binary, extra):
        """None if `binary LISTEN ECHO EXTRA…` starts and listens, else why not."""
        peer = Peer("probe", "probe", binary, lambda p, e, n, o: [binary, f"127.0.0.1:{p}", f"{ECHO_HOST}:{e}"] + extra)
        started, why = self.start(peer, 1)
        if started:
            stop_tree(started[0])
        return why

    def start(self, peer, conns, wrap=None, name="", env=None):
        """Starts `peer` for `conns` connections; (process, port) or (None, why)."""
        port = self.ports.take()
        cmd = peer.command(port, self.echo_port, conns, self.out)
        if wrap:
            cmd = wrap + cmd
        logfile = self.out / f"{peer.name}{name}.log"
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=open(logfile, "w"), env={**os.environ, **(env or {})})
        deadline = time.time() + (60 if wrap else 10)
        while not listening(port):
            if proc.poll() is not None:
                why = first_line(logfile)
                if "--max" in cmd:  # say what the relay allows, from its usage text
                    why = next((line.strip() for line in logfile.read_text(errors="replace").splitlines()
                                if line.strip().startswith("--max")), why)
                return None, f"exited at start with status {proc.returncode} (`{' '.join(cmd[3:])}`): {why}"
            if time.time() > deadline:
                stop_tree(proc)
                return None, f"not listening after {60 if wrap else 10} s"
            time.sleep(0.02)
        return (proc, port), None

    def loadgen(self, mode, port, conns, size, relay_pid, extra=(), timeout=300):
        cmd = [self.args.loadgen, mode, f"127.0.0.1:{port}", "--conns", str(conns)]
        if mode == "bulk":
            cmd += ["--bytes", size]
        elif mode == "rr":
            cmd += ["--size", size] + list(extra or ["--seconds", str(self.args.seconds)])
        else:
            cmd += ["--timeout", "60"]
        if relay_pid:
            cmd += ["--relay-pid", str(relay_pid)]
        cmd += ["--echo-pid", str(self.echo.pid)] if mode != "idle" else []
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        lines = done.stdout.strip().splitlines()
        if done.returncode not in (0, 3) or not lines:
            return None, f"loadgen failed (status {done.returncode}): {done.stderr.strip()[:300]}"
        return json.loads(lines[-1]), None

    def run_rows(self, peers, rows):
        runs = []
        cannot = {}  # (row key, peer) -> why
        for key, mode, conns, size in rows:
            rounds = 1 if mode == "idle" else self.args.rounds
            subjects = [p for p in peers if not p.missing] + ([None] if mode != "idle" else [])
            for r in range(rounds):
                turn = subjects[r % len(subjects):] + subjects[:r % len(subjects)]
                for peer in turn:
                    name = peer.name if peer else "direct"
                    if (key, name) in cannot:
                        continue
                    runs.append(self.one_run(key, mode, conns, size, peer, r, cannot))
                    rec = runs[-1]
                    res = rec.get("result") or {}
                    log(f"  {key:18} {name:10} round {r + 1}: " + (
                        rec.get("cannot") or rec.get("error") or (res.get("failure") or summary(res))))
        return runs

    def one_run(self, key, mode, conns, size, peer, r, cannot):
        name = peer.name if peer else "direct"
        rec = {"row": key, "peer": name, "round": r + 1}
        if peer is None:
            rec["result"], rec["error"] = self.loadgen(mode, self.echo_port, conns, size, None)
            return rec
        started, why = self.start(peer, conns)
        if not started:
            rec["cannot"] = why
            cannot[(key, name)] = why
            return rec
        proc, port = started
        try:
            rec["result"], rec["error"] = self.loadgen(mode, port, conns, size, proc.pid)
        finally:
            rec["exit"] = stop_tree(proc)
        return rec

    def strace(self, peers):
        """Syscalls per relayed message: strace -f -c of the relay (and
        its children or threads) under the counted workload, K and 2K."""
        out = {}
        for peer in peers:
            if peer.missing:
                continue
            counts = []
            for k in (STRACE_K, 2 * STRACE_K):
                file = self.out / f"strace-{peer.name}-{k}.txt"
                started, why = self.start(peer, COUNTED_CONNS, wrap=["strace", "-f", "-c", "-o", str(file)],
                                          name=f"-strace-{k}")
                if not started:
                    counts = why
                    break
                proc, port = started
                relay = next(iter(tree(proc.pid)[1:]), None)
                result, error = self.loadgen("rr", port, COUNTED_CONNS, COUNTED_SIZE, None,
                                             extra=["--count", str(k)])
                if relay:
                    for p in tree(relay):
                        try:
                            os.kill(p, signal.SIGTERM)
                        except ProcessLookupError:
                            pass
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    stop_tree(proc)
                if error or not result.get("ok"):
                    counts = error or result.get("failure")
                    break
                counts.append({"trips": k, "calls": parse_strace(file)})
            if isinstance(counts, str):
                out[peer.name] = {"error": counts}
                log(f"  strace {peer.name}: {counts}")
                continue
            per = {}
            messages = 2 * (counts[1]["trips"] - counts[0]["trips"])
            names = set(counts[0]["calls"]) | set(counts[1]["calls"])
            for sc in names:
                a = counts[0]["calls"].get(sc, [0, 0])
                b = counts[1]["calls"].get(sc, [0, 0])
                per[sc] = [(b[0] - a[0]) / messages, (b[1] - a[1]) / messages]
            out[peer.name] = {"k": STRACE_K, "messages": messages, "runs": counts, "per_message": per}
            io = sum(v[0] for s, v in per.items() if s in IO_SYSCALLS)
            log(f"  strace {peer.name}: {io:.2f} I/O syscalls, {sum(v[0] for v in per.values()):.2f} in all per message")
        return out

    def callgrind(self, peers):
        """User-space instructions per relayed message: the relay under
        callgrind, counters dumped (callgrind_control -d) after a warm-up,
        after K and after 2K more round trips of the counted workload. A
        run that fails is tried once more (valgrind and Go's signals)."""
        out = {}
        for peer in peers:
            if peer.missing:
                continue
            if peer.workers:
                # Its workers, forked under valgrind, are not reachable by
                # callgrind_control (no vgdb in a forked child), and they
                # never exit during the run: their counts would be 0.
                out[peer.name] = {"error": "not counted: callgrind_control cannot dump forked workers"}
                log(f"  callgrind {peer.name}: not counted")
                continue
            for attempt in (1, 2):
                out[peer.name] = self.callgrind_one(peer)
                out[peer.name]["attempts"] = attempt
                if "error" not in out[peer.name]:
                    break
            got = out[peer.name]
            log(f"  callgrind {peer.name}: " + (got.get("error") or f"{got['per_message']:,.0f} instructions per message"))
        return out

    def callgrind_one(self, peer):
        cg = self.out / f"callgrind-{peer.name}"
        shutil.rmtree(cg, ignore_errors=True)
        cg.mkdir()
        started, why = self.start(peer, COUNTED_CONNS, name="-callgrind", env=peer.callgrind_env, wrap=[
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}/out.%p"])
        if not started:
            return {"error": why}
        proc, port = started
        phases, error, seen = [], None, set()
        try:
            # A warm-up first: a relay that is still setting up when it
            # listens (bareio-relay fills its slots then, slowly under
            # valgrind) must not count that in the first measured part.
            for k in (COUNTED_CONNS * 5, CALLGRIND_K, 2 * CALLGRIND_K):
                result, error = self.loadgen("rr", port, COUNTED_CONNS, COUNTED_SIZE, None,
                                             extra=["--count", str(k)], timeout=600)
                if not error and not result.get("ok"):
                    error = result.get("failure")
                if error:
                    break
                # A forking peer's children write their counts as they
                # exit: wait for them.
                deadline = time.time() + 30
                while len(tree(proc.pid)) > 1 and time.time() < deadline:
                    time.sleep(0.05)
                files_before = set(glob.glob(f"{cg}/out.*"))
                dump = subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True, text=True)
                deadline = time.time() + 30
                while set(glob.glob(f"{cg}/out.*")) == files_before and time.time() < deadline:
                    time.sleep(0.05)
                if dump.returncode != 0 or proc.poll() is not None:
                    error = f"callgrind_control: {dump.stdout.strip()} {dump.stderr.strip()}"[:300]
                    break
                time.sleep(0.2)  # the dump file is written in one go; let it finish
                new = set(glob.glob(f"{cg}/out.*")) - seen
                seen |= new
                phases.append(sum(callgrind_total(f) for f in new))
        finally:
            if proc.poll() is not None and not error:
                error = f"valgrind exited with status {proc.returncode}"
            if proc.poll() is not None and error:
                error += f" ({telling_line(self.out / (peer.name + '-callgrind.log'))}; see the log)"
            stop_tree(proc, signal.SIGKILL, grace=2)
        if error or len(phases) < 3:
            return {"error": error or "no counts"}
        per = (phases[2] - phases[1]) / (2 * CALLGRIND_K)
        return {"k": CALLGRIND_K, "warm_up": COUNTED_CONNS * 5, "phases": phases, "per_message": per,
                "env": peer.callgrind_env}


def callgrind_total(path):
    try:
        for line in pathlib.Path(path).read_text(errors="replace").splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def parse_strace(path):
    """syscall -> [calls, errors] from an `strace -c` table."""
    calls = {}
    for line in pathlib.Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) < 5 or not parts[0][0].isdigit() or parts[-1] == "total":
            continue
        if len(parts) == 6:
            calls[parts[5]] = [int(parts[3]), int(parts[4])]
        else:
            calls[parts[4]] = [int(parts[3]), 0]
    return calls


def summary(res):
    if res.get("mode") == "bulk":
        return f"{res['mib_per_s']:.0f} MiB/s"
    if res.get("mode") == "rr":
        return f"{res['trips_per_s']:.0f} round trips/s"
    if res.get("mode") == "idle":
        return f"RSS {res.get('relay_rss_kib', 0)} KiB"
    return str(res)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--bareio", required=True)
    parser.add_argument("--go", required=True)
    args = parser.parse_args()
    args.rounds = int(os.environ.get("RELAY_ROUNDS", "5"))
    args.seconds = float(os.environ.get("RELAY_SECONDS", "0.6"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    began = time.time()
    load_start = pathlib.Path("/proc/loadavg").read_text().split()[0]
    bench = Bench(args)
    rows = ROWS
    if os.environ.get("RELAY_ROWS"):
        rows = [r for r in ROWS if r[0] in os.environ["RELAY_ROWS"].split(",")]
    bench.start_echo()
    try:
        peers, usage = all_peers(args, bench.probe)
        results = {"peers": {p.name: {"label": p.label, "note": p.note, "missing": p.missing} for p in peers},
                   "rows": [{"key": k, "mode": m, "conns": c, "size": s} for k, m, c, s in rows],
                   "bareio_usage": usage, "versions": versions(args), "sizes": sizes(peers)}
        log("relay bench: rows")
        results["runs"] = bench.run_rows(peers, rows)
        log("relay bench: syscalls (strace)")
        results["strace"] = bench.strace(peers)
        log("relay bench: instructions (callgrind)")
        results["callgrind"] = bench.callgrind(peers)
    finally:
        stop_tree(bench.echo)
    model = "unknown"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    results["meta"] = {
        "cpus": os.cpu_count(), "model": model, "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": load_start, "load_end": pathlib.Path("/proc/loadavg").read_text().split()[0],
        "command": os.environ.get("REPORT_RELAY_COMMAND", "benches/relay/run.py"),
        "seconds": round(time.time() - began), "rounds": args.rounds, "rr_seconds": args.seconds,
        "fd_limit": hard, "counted": {"conns": COUNTED_CONNS, "size": COUNTED_SIZE, "strace_k": STRACE_K,
                                      "callgrind_k": CALLGRIND_K},
        "io_syscalls": sorted(IO_SYSCALLS), "wait_syscalls": sorted(WAIT_SYSCALLS),
    }
    (pathlib.Path(args.out) / "results.json").write_text(json.dumps(results, indent=1))
    log(f"relay bench: {results['meta']['seconds']} s, {pathlib.Path(args.out) / 'results.json'}")


if __name__ == "__main__":
    main()
