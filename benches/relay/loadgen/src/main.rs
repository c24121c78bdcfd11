//! `loadgen`: the upstream echo server and the client workloads of the
//! relay benchmark. Each client run prints one JSON object on stdout and
//! exits 0 when every byte came back intact, 3 when a connection failed
//! (lost, corrupt or extra data, a reset, a stall: the object says which).
//!
//! ```text
//! loadgen echo ADDR
//! loadgen bulk TARGET --conns N --bytes M          [WATCH]
//! loadgen rr   TARGET --conns N --size S (--seconds D | --count K) [WATCH]
//! loadgen idle TARGET --conns N [--window W] [--timeout SECS] [WATCH]
//!   WATCH: [--relay-pid PID] [--echo-pid PID]: report their CPU time and
//!   memory over the run (a relay with its descendants: see procs.rs)
//!   sizes take a K, M or G suffix (KiB, MiB, GiB)
//! ```

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use relay_loadgen::bulk::{self, Bulk};
use relay_loadgen::idle::{self, Idle};
use relay_loadgen::json::Json;
use relay_loadgen::pattern::{Pattern, MAX_SPAN};
use relay_loadgen::procs::{self, Monitor};
use relay_loadgen::rr::{self, Rr, Stop};
use relay_loadgen::{echo, sys, Failures};

const USAGE: &str = "usage: loadgen echo ADDR
       loadgen bulk TARGET --conns N --bytes M [--relay-pid PID] [--echo-pid PID]
       loadgen rr TARGET --conns N --size S (--seconds D | --count K) [--relay-pid PID] [--echo-pid PID]
       loadgen idle TARGET --conns N [--window W] [--timeout SECS] [--relay-pid PID]
  sizes take a K, M or G suffix (KiB, MiB, GiB)";

/// No progress for this long fails a run.
const STALL: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Options {
    conns: Option<usize>,
    bytes: Option<u64>,
    size: Option<usize>,
    seconds: Option<f64>,
    count: Option<u64>,
    window: Option<usize>,
    timeout: Option<f64>,
    relay_pid: Option<u32>,
    echo_pid: Option<u32>,
}

fn size(text: &str) -> Option<u64> {
    let (digits, scale) = match text.as_bytes().last()? {
        b'K' | b'k' => (&text[..text.len() - 1], 1 << 10),
        b'M' | b'm' => (&text[..text.len() - 1], 1 << 20),
        b'G' | b'g' => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

fn parse_options(args: &[String]) -> Option<Options> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next()?;
        match flag.as_str() {
            "--conns" => o.conns = Some(value.parse().ok()?),
            "--bytes" => o.bytes = Some(size(value)?),
            "--size" => o.size = Some(size(value)? as usize),
            "--seconds" => o.seconds = Some(value.parse().ok()?),
            "--count" => o.count = Some(value.parse().ok()?),
            "--window" => o.window = Some(value.parse().ok()?),
            "--timeout" => o.timeout = Some(value.parse().ok()?),
            "--relay-pid" => o.relay_pid = Some(value.parse().ok()?),
            "--echo-pid" => o.echo_pid = Some(value.parse().ok()?),
            _ => return None,
        }
    }
    Some(o)
}

/// The fields every client run reports.
fn common(json: Json, mode: &str, target: &SocketAddr, conns: usize, failures: &Failures) -> Json {
    json.text("mode", mode)
        .text("target", &target.to_string())
        .int("conns", conns as u64)
        .bool("ok", failures.is_empty())
        .int("failed_conns", failures.count as u64)
        .opt_text("failure", failures.first.as_deref())
}

/// Adds what the monitors saw (relay tree, echo server) and our own CPU time.
fn watched(mut json: Json, relay: Option<Monitor>, echo: Option<Monitor>, own_cpu: f64) -> Json {
    if let Some(seen) = relay.and_then(Monitor::finish) {
        json = json
            .float("relay_cpu_s", seen.cpu_seconds)
            .int("relay_peak_rss_kib", seen.peak_rss_kib)
            .int("relay_max_processes", seen.max_processes);
    }
    if let Some(seen) = echo.and_then(Monitor::finish) {
        json = json.float("echo_cpu_s", seen.cpu_seconds);
    }
    json.float("loadgen_cpu_s", sys::own_cpu_seconds() - own_cpu)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(3),
        Err(message) => {
            eprintln!("loadgen: {message}");
            if message == USAGE {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Runs the command; `Ok(ok)`: whether every byte came back intact.
fn run(args: &[String]) -> Result<bool, String> {
    let [mode, addr, rest @ ..] = args else { return Err(USAGE.into()) };
    let addr: SocketAddr = addr.parse().map_err(|_| USAGE.to_string())?;
    let o = parse_options(rest).ok_or_else(|| USAGE.to_string())?;
    sys::raise_fd_limit().map_err(|e| format!("RLIMIT_NOFILE: {e}"))?;
    if mode == "echo" {
        let listener = echo::bind(&addr).map_err(|e| format!("bind {addr}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        println!("{}", Json::new().text("mode", "echo").text("listen", &bound.to_string()).finish());
        std::io::stdout().flush().map_err(|e| e.to_string())?;
        echo::serve(listener).map_err(|e| format!("echo: {e}"))?;
        return Ok(true);
    }
    let conns = o.conns.filter(|&n| n > 0).ok_or_else(|| USAGE.to_string())?;
    let pattern = Pattern::new();
    let own_cpu = sys::own_cpu_seconds();
    let relay = o.relay_pid.and_then(Monitor::start);
    let echo_watch = o.echo_pid.and_then(Monitor::start);
    let io = |e: std::io::Error| format!("{mode}: {e}");
    let (json, ok) = match mode.as_str() {
        "bulk" => {
            let bytes = o.bytes.ok_or_else(|| USAGE.to_string())?;
            let report =
                bulk::run(&Bulk { target: addr, conns, bytes, stall: STALL }, &pattern).map_err(io)?;
            let ok = report.failures.is_empty();
            let mib_s = if ok { report.moved as f64 / report.seconds / (1 << 20) as f64 } else { f64::NAN };
            let json = common(Json::new(), mode, &addr, conns, &report.failures)
                .int("bytes", bytes)
                .float("seconds", report.seconds)
                .int("complete_conns", report.complete as u64)
                .int("moved", report.moved)
                .float("mib_per_s", mib_s);
            (json, ok)
        }
        "rr" => {
            let size = o.size.filter(|&s| s > 0 && s <= MAX_SPAN).ok_or_else(|| USAGE.to_string())?;
            let stop = match (o.seconds, o.count) {
                (Some(s), None) if s > 0.0 => Stop::After(Duration::from_secs_f64(s)),
                (None, Some(k)) if k > 0 => Stop::Count(k),
                _ => return Err(USAGE.into()),
            };
            let report =
                rr::run(&Rr { target: addr, conns, size, stop, stall: STALL }, &pattern).map_err(io)?;
            let ok = report.failures.is_empty();
            let rate =
                if ok && report.seconds > 0.0 { report.trips as f64 / report.seconds } else { f64::NAN };
            let json = common(Json::new(), mode, &addr, conns, &report.failures)
                .int("size", size as u64)
                .float("seconds", report.seconds)
                .int("trips", report.trips)
                .float("trips_per_s", rate)
                .int("p50_us", u64::from(report.latency(0.5)))
                .int("p99_us", u64::from(report.latency(0.99)))
                .int("max_us", u64::from(report.latency(1.0)));
            (json, ok)
        }
        "idle" => {
            let before = o.relay_pid.and_then(|pid| procs::sample(pid, true));
            let mut held = None;
            let idle = Idle {
                target: addr,
                conns,
                window: o.window.unwrap_or(256),
                timeout: Duration::from_secs_f64(o.timeout.unwrap_or(60.0)),
            };
            let report =
                idle::run(&idle, &pattern, |_| held = o.relay_pid.and_then(|pid| procs::sample(pid, true)))
                    .map_err(io)?;
            let mut json = common(Json::new(), mode, &addr, conns, &report.failures)
                .int("established", report.established as u64)
                .float("seconds", report.seconds);
            if let (Some(before), Some(held)) = (before, held) {
                json = json
                    .int("relay_rss_before_kib", before.rss_kib)
                    .int("relay_pss_before_kib", before.pss_kib)
                    .int("relay_rss_kib", held.rss_kib)
                    .int("relay_pss_kib", held.pss_kib)
                    .int("relay_hwm_kib", held.hwm_kib)
                    .int("relay_processes", held.processes);
            }
            (json, report.failures.is_empty())
        }
        _ => return Err(USAGE.into()),
    };
    println!("{}", watched(json, relay, echo_watch, own_cpu).finish());
    Ok(ok)
}
