"""Write tests/bench/RESULTS.md and the chart from the raw results of run.sh.

    /usr/bin/python3 tests/bench/report.py --results OUT/results.jsonl \
        --micro OUT/micro --markdown tests/bench/RESULTS.md --chart tests/bench/results.png

results.jsonl holds one JSON object per load-generator run (see
tests/bench/loadgen/result.go); OUT/micro holds the text output of every
peer's micro-benchmarks (PEER.REPEAT.txt) and OUT/run.txt the settings.
Every figure is the median over the repeats, with the minimum and maximum.
"""

import argparse
import collections
import json
import os
import platform
import re
import statistics
import subprocess

PEER_ORDER = ["evscript", "evscript-nolog", "go", "node", "uvicorn", "uvloop", "aiohttp", "asyncio", "gevent", "eventlet"]
PEER_NAMES = {
    "evscript": "evscript",
    "go": "Go (goroutine per conn)",
    "node": "Node.js",
    "uvloop": "asyncio + uvloop",
    "asyncio": "asyncio",
    "gevent": "gevent",
    "eventlet": "eventlet",
    "uvicorn": "uvicorn + httptools + uvloop",
    "aiohttp": "aiohttp + uvloop",
}
# The HTTP peers (tests/bench/peers/http_*) by the server each one runs.
HTTP_NAMES = dict(PEER_NAMES, go="Go net/http", node="Node.js http", gevent="gevent.pywsgi",
                  eventlet="eventlet.wsgi", evscript="evscript wsgi (hello_wsgi.star: access log on)")
HTTP_NAMES["evscript-nolog"] = "evscript wsgi, no access log (http_peer.star)"
COLORS = {
    "evscript": "#d62728",
    "go": "#1f77b4",
    "node": "#2ca02c",
    "uvloop": "#9467bd",
    "asyncio": "#8c564b",
    "gevent": "#e377c2",
    "eventlet": "#7f7f7f",
    "evscript-nolog": "#ff9896",
    "uvicorn": "#17becf",
    "aiohttp": "#bcbd22",
}
HTTP_CASES = [  # (case, what, conns or None for any)
    ("http_hello", "hello, keep-alive", None),
    ("http_close", "hello, Connection: close", None),
    ("http_echo", "POST 4 KiB echo", None),
]
ECHO_CONNS = [10, 100, 1000]
CHAT_CASES = [(100, 1), (1000, 1), (100, 16)]  # (clients, lines in flight per sender)

# go test -bench names of evscript's micro-benchmarks, as peer micro names.
GO_BENCH = {
    "Sleep0Switch": "yield_pair",
    "Sleep0Alone": "yield_alone",
    "SpawnJoin": "spawn_join",
}
MICRO_NAMES = [
    ("spawn_join", "spawn + join"),
    ("yield_pair", "hand-off ping-pong (2 threads, sleep(0))"),
    ("yield_alone", "sleep(0) alone"),
]


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def peer_sort(labels):
    known = [p for p in PEER_ORDER if p in labels]
    return known + sorted(set(labels) - set(PEER_ORDER))


class Stat:
    """Median, minimum and maximum of the repeats of one figure."""

    def __init__(self, values):
        self.values = sorted(values)
        self.n = len(values)
        self.med = statistics.median(values) if values else None
        self.lo = self.values[0] if values else None
        self.hi = self.values[-1] if values else None

    def fmt(self, f="{:.1f}", spread=True):
        if self.med is None:
            return "–"
        s = f.format(self.med)
        if spread and self.n > 1:
            s += " (" + f.format(self.lo) + "–" + f.format(self.hi) + ")"
        return s


def fmt_rate(v):
    if v >= 1e6:
        return "{:.2f}M".format(v / 1e6)
    if v >= 1e3:
        return "{:.0f}k".format(v / 1e3)
    return "{:.0f}".format(v)


def stat_rate(s):
    if s.med is None:
        return "–"
    out = fmt_rate(s.med)
    if s.n > 1:
        out += " (" + fmt_rate(s.lo) + "–" + fmt_rate(s.hi) + ")"
    return out


def load_results(path):
    runs, failures = [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            (failures if r.get("error") else runs).append(r)
    return runs, failures


def group(runs):
    """Map (label, case, conns, window) to the list of runs."""
    g = collections.defaultdict(list)
    for r in runs:
        g[(r["label"], r["case"], r.get("conns", 0), r.get("window", 0))].append(r)
    return g


def field(g, key, name):
    return Stat([r.get(name, 0) for r in g.get(key, [])])


def parse_micro(directory):
    """Return {peer: {name: [values]}} from OUT/micro/PEER.REPEAT.txt."""
    out = collections.defaultdict(lambda: collections.defaultdict(list))
    commands = {}
    if not os.path.isdir(directory):
        return out, commands
    for name in sorted(os.listdir(directory)):
        m = re.match(r"(.+)\.(\d+)\.txt$", name)
        if not m:
            continue
        peer = m.group(1)
        with open(os.path.join(directory, name)) as f:
            for line in f:
                if line.startswith("# "):
                    commands.setdefault(peer, []).append(line[2:].strip())
                    continue
                pm = re.match(r"(\w+) ([\d.]+) ns/op$", line.strip())
                if pm:
                    out[peer][pm.group(1)].append(float(pm.group(2)))
                    continue
                gm = re.match(r"Benchmark(\w+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)", line)
                if not gm:
                    continue
                bench, ns, rest = gm.group(1), float(gm.group(3)), gm.group(4)
                if bench in GO_BENCH:
                    out[peer][GO_BENCH[bench]].append(ns)
                elif bench == "Startup":
                    out[peer]["startup_bench_ms"].append(ns / 1e6)
                elif bench == "ParkedThread":
                    bm = re.search(r"([\d.]+) B/thread", rest)
                    if bm:
                        out[peer]["parked_heap_kib"].append(float(bm.group(1)) / 1024)
    for peer in commands:
        commands[peer] = list(dict.fromkeys(commands[peer]))
    return out, commands


def read_settings(out_dir):
    settings = {}
    path = os.path.join(out_dir, "run.txt")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                for part in line.split():
                    if "=" in part:
                        k, v = part.split("=", 1)
                        # APPEND=1 runs add their settings: the first start counts.
                        if k not in ("started", "loadavg_start") or k not in settings:
                            settings[k] = v
    return settings


def machine():
    model = "?"
    mem = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = "{:.0f} GiB".format(kib / 2**20)
    except OSError:
        pass
    versions = {"go": run(["go", "version"]), "node": run(["node", "--version"]),
                "python": "/usr/bin/python3 " + platform.python_version(),
                "wrk": (run(["wrk", "-v"]).splitlines() or ["?"])[0].split(" Copyright")[0]}
    for mod in ["eventlet", "gevent", "uvloop", "aiohttp", "uvicorn", "httptools", "matplotlib"]:
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = "not installed"
    return {
        "nproc": run(["nproc"]),
        "cpu": model,
        "memory": mem,
        "kernel": platform.release(),
        "versions": versions,
    }


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_markdown(path, runs, failures, micro, micro_cmds, settings, info, chart):
    g = group(runs)
    labels = peer_sort({r["label"] for r in runs} | set(micro))
    md = []
    add = md.append
    add("# Comparison results\n")
    add("Written by `tests/bench/run.sh` (do not edit by hand: rerun it). "
        "Medians of {} run(s), with min–max in brackets; {} s measured after {} s of warm-up per run. "
        "Started {}, finished {}, at commit `{}`.\n".format(
            settings.get("repeats", "?"), settings.get("duration", "?"), settings.get("warmup", "?"),
            settings.get("started", "?"), settings.get("finished", "?"), settings.get("commit", "?")))
    if settings.get("quick"):
        add("**Quick mode** (`QUICK=1`): short runs and fewer connections; treat these figures as "
            "indicative.\n")
    if chart:
        add("![results]({})\n".format(os.path.basename(chart)))
    cases = {k[1] for k in g}

    add("## Machine\n")
    v = info["versions"]
    add("- `nproc`: {}; CPU: {}; memory: {}; kernel: {}".format(info["nproc"], info["cpu"], info["memory"], info["kernel"]))
    add("- {}; Node.js {}; {} with eventlet {}, gevent {}, uvloop {}".format(
        v["go"], v["node"], v["python"], v["eventlet"], v["gevent"], v["uvloop"]))
    add("- The server runs on core {}, the load generator on core {} (`taskset`), both at `nice {}`. "
        "The load generator is `tests/bench/loadgen` (Go, one goroutine per connection), "
        "on loopback TCP. Before each server case the runner waited (at most {}) until the rest of "
        "the machine used less than {} of a core.".format(
            settings.get("server_cpu", "?"), settings.get("loadgen_cpu", "?"), settings.get("nice", "?"),
            settings.get("quiet_wait", "?"), settings.get("quiet", "?")))
    others = [r.get("other_util", 0) for r in runs if r["case"] in ("echo", "chat")]
    if others:
        add("- Other work on the machine during the measured windows (every process but server and "
            "load generator, and the kernel's own threads): median {:.0f} %, max {:.0f} % of a core. "
            "It lowers rates more than the server's CPU per operation.".format(
                100 * statistics.median(others), 100 * max(others)))
    if "http_hello" in cases or "http_longpoll" in cases:
        add("- HTTP: {}; aiohttp {}, uvicorn {}, httptools {}".format(
            v["wrk"], v["aiohttp"], v["uvicorn"], v["httptools"]))
    add("")
    if cases & {"echo", "chat"}:
        add("## Against the targets of issue 6\n")
        add(targets(g, micro, settings))
    if "echo" in cases:
        echo_section(add, g, labels)
    if "chat" in cases:
        chat_section(add, g, labels, settings)
    if any(c.startswith("http_") for c in cases):
        http_section(add, g, labels, settings)
    if cases & {"idle", "parked"} or micro:
        memory_section(add, g, labels, micro)
    if micro or "startup" in cases:
        micro_section(add, g, labels, micro)
    commands_section(add, runs, labels, micro_cmds, settings)
    if failures:
        add("## Failed runs\n")
        for r in failures:
            add("- {} {} (conns {}): {}".format(r["label"], r["case"], r.get("conns", ""),
                                                 r["error"].splitlines()[0][:300]))
        add("")
    with open(path, "w") as f:
        f.write("\n".join(md).rstrip() + "\n")


def echo_section(add, g, labels):
    add("## Echo: one line in flight per connection\n")
    add("Server CPU per round trip (µs) is the server's user+system time (`/proc/PID/stat`) over the "
        "window divided by the round trips; lower is better. The load generator checks every byte "
        "of every reply. *Busy* is the share of its core the server used, and of the other core the "
        "load generator used: when neither is near 100 %, the rate is bound by wake-up latency, "
        "not by either process.\n")
    rows = []
    for label in labels:
        for n in ECHO_CONNS:
            key = (label, "echo", n, 0)
            if key not in g:
                continue
            rows.append([PEER_NAMES.get(label, label), str(n),
                         field(g, key, "server_us_per_op").fmt("{:.2f}"),
                         stat_rate(field(g, key, "rate")),
                         field(g, key, "p50_us").fmt("{:.0f}", False),
                         field(g, key, "p99_us").fmt("{:.0f}", False),
                         field(g, key, "server_util").fmt("{:.0%}", False) + " / " +
                         field(g, key, "loadgen_util").fmt("{:.0%}", False)])
    add(table(["server", "conns", "server µs / round trip", "round trips/s", "p50 µs", "p99 µs",
               "busy: server / loadgen"], rows) + "\n")


def chat_section(add, g, labels, settings):
    add("## Chat: every line to every other client\n")
    add("{} of the clients send; a line is in flight until all other clients have it, and each sender "
        "keeps 1 or 16 lines in flight. A delivery is one line arriving at one client; latency is from "
        "the send to each arrival. Lost, reordered and corrupt lines are counted over all runs "
        "(all must be 0).\n".format(settings.get("senders", "10")))
    rows = []
    for label in labels:
        for clients, window in CHAT_CASES:
            key = (label, "chat", clients, window)
            if key not in g:
                continue
            bad = sum(r.get("lost", 0) + r.get("reordered", 0) + r.get("corrupt", 0) for r in g[key])
            rows.append([PEER_NAMES.get(label, label), str(clients), str(window),
                         stat_rate(field(g, key, "rate")),
                         field(g, key, "server_us_per_op").fmt("{:.2f}"),
                         field(g, key, "p50_us").fmt("{:.0f}", False),
                         field(g, key, "p99_us").fmt("{:.0f}", False),
                         field(g, key, "server_util").fmt("{:.0%}", False) + " / " +
                         field(g, key, "loadgen_util").fmt("{:.0%}", False),
                         str(bad)])
    add(table(["server", "clients", "in flight", "deliveries/s", "server µs / delivery", "p50 µs",
               "p99 µs", "busy: server / loadgen", "lost+reordered+corrupt"], rows) + "\n")


def memory_section(add, g, labels, micro):
    add("## Memory\n")
    add("*Idle*: the echo server's VmRSS (`/proc/PID/status`) before and after opening the "
        "connections, each served one line, divided by their number. *Parked*: VmRSS of a process "
        "that parked N green threads in `sleep(3600)` minus that of the same program with none, "
        "divided by N. For evscript, `BenchmarkParkedThread` also gives Go heap + stacks per parked "
        "thread.\n")
    rows = []
    for label in labels:
        idle = [k for k in g if k[0] == label and k[1] == "idle"]
        parked = [k for k in g if k[0] == label and k[1] == "parked"]
        row = [PEER_NAMES.get(label, label)]
        row.append(" ".join("{} (n={})".format(field(g, k, "kib_per_item").fmt("{:.2f}"), k[2]) for k in idle) or "–")
        row.append(" ".join("{} (n={})".format(field(g, k, "kib_per_item").fmt("{:.2f}"), k[2]) for k in parked) or "–")
        row.append(Stat(micro.get(label, {}).get("parked_heap_kib", [])).fmt("{:.2f}"))
        rows.append(row)
    add(table(["server", "idle KiB / connection", "parked KiB / thread (RSS)",
               "parked KiB / thread (Go heap+stack)"], rows) + "\n")


def micro_section(add, g, labels, micro):
    add("## Green threads and startup\n")
    add("ns per operation of each runtime's own primitives, on one core: *spawn + join* starts a thread "
        "running an empty function and waits for it; *hand-off* is two threads alternating with "
        "`sleep(0)` (one op = one switch); *sleep(0) alone* has nothing else to run. Go uses "
        "goroutines with `runtime.Gosched` at GOMAXPROCS=1; Node.js an async function and "
        "`setImmediate`. *Startup* is the wall time of a one-line script that prints 1 "
        "(the framework imported), median of the runs.\n")
    rows = []
    for label in labels:
        row = [PEER_NAMES.get(label, label)]
        for name, _ in MICRO_NAMES:
            row.append(Stat(micro.get(label, {}).get(name, [])).fmt("{:.0f}"))
        starts = [k for k in g if k[0] == label and k[1] == "startup"]
        row.append(" ".join(Stat([r["median_ms"] for r in g[k]]).fmt("{:.1f}") for k in starts) or "–")
        rows.append(row)
    add(table(["runtime"] + [n for _, n in MICRO_NAMES] + ["startup ms"], rows) + "\n")
    if "evscript" in micro and micro["evscript"].get("startup_bench_ms"):
        add("evscript's `BenchmarkStartup` (tests/, `-benchtime 200x`): {} ms.\n".format(
            Stat(micro["evscript"]["startup_bench_ms"]).fmt("{:.2f}")))


def commands_section(add, runs, labels, micro_cmds, settings):
    add("## Exact commands\n")
    add("From the repository root; `run.sh` runs each of these {} time(s). "
        "The load generator picks a free port and appends it to the server command.\n".format(
            settings.get("repeats", "?")))
    seen = set()
    cmds = []
    nice = settings.get("nice", "0")
    for r in runs:
        key = (r["label"], r["case"], r.get("conns", 0), r.get("window", 0))
        if key in seen:
            continue
        seen.add(key)
        core = settings.get("server_cpu" if r["case"] in ("startup", "parked") else "loadgen_cpu", "?")
        cmds.append("nice -n {} taskset -c {} tests/bench/out/bin/loadgen {}".format(nice, core, r["loadgen"]))
    for peer in labels:
        for c in micro_cmds.get(peer, []):
            cmds.append(c)
    add("```\n" + "\n".join(relative(c) for c in cmds) + "\n```\n")


def load1(runs):
    """The range of the 1-minute load averages recorded as the windows opened."""
    vals = []
    for r in runs:
        try:
            vals.append(float(r.get("loadavg", "").split()[0]))
        except (ValueError, IndexError):
            pass
    if not vals:
        return "–"
    lo, hi = min(vals), max(vals)
    return "{:.1f}".format(lo) if lo == hi else "{:.1f}–{:.1f}".format(lo, hi)


def http_section(add, g, labels, settings):
    add("## HTTP: hello world, POST echo, long-poll\n")
    add("`wrk` ({} thread(s)) on the load generator's core drives each peer's HTTP server over loopback: "
        "the hello-world app (`Hello, World!\\r\\n`, text/plain) on keep-alive connections, the same "
        "with `Connection: close` (a new connection per request), and `POST /echo` of a 4 KiB body "
        "(`tests/bench/loadgen/post_echo.lua`). *Server µs / request* is the server's user+system time "
        "(`/proc/PID/stat`) over the wrk run divided by the requests wrk completed; lower is better. "
        "p50/p99 are wrk's (`--latency`). loadgen checks one hello and one echo before each run; "
        "*errors* are wrk's non-2xx responses and socket errors. *Long-poll*: the server's VmRSS before "
        "and after N connections each send `GET /wait` and the server holds them all, divided by N; "
        "then `GET /release` answers them and every answer is checked. *load* is the 1-minute "
        "/proc/loadavg as each window opened: the machine was shared, so the busy share of the rest "
        "of the machine (*others*, in cores) is shown too.\n".format(settings.get("wrk_threads", "1")))
    hello_conns = sorted({k[2] for k in g if k[1] == "http_hello"})
    cols = [("http_hello", n, "hello, {} conns".format(n)) for n in hello_conns]
    cols += [(c, n, "{}, {} conns".format(what, n)) for c, what, _ in HTTP_CASES[1:]
             for n in sorted({k[2] for k in g if k[1] == c})]
    lp = sorted({k[2] for k in g if k[1] == "http_longpoll"})
    http_labels = [l for l in labels if any(k[0] == l and k[1].startswith("http_") for k in g)]
    rows = []
    for label in http_labels:
        row = [HTTP_NAMES.get(label, label)]
        for c, n, _ in cols:
            row.append(field(g, (label, c, n, 0), "server_us_per_op").fmt("{:.1f}"))
        for n in lp:
            row.append(field(g, (label, "http_longpoll", n, 0), "kib_per_item").fmt("{:.1f}"))
        rows.append(row)
    add("Server CPU µs per request (median, min–max), and KiB per held long-poll:\n")
    add(table(["server"] + [name for _, _, name in cols] +
              ["KiB / held long-poll ({:,})".format(n) for n in lp], rows) + "\n")
    rows = []
    for label in http_labels:
        for c, n, name in cols:
            key = (label, c, n, 0)
            if key not in g:
                continue
            errs = sum(r.get("non2xx", 0) + r.get("socket_errors", 0) for r in g[key])
            rows.append([HTTP_NAMES.get(label, label), name,
                         field(g, key, "server_us_per_op").fmt("{:.1f}"),
                         stat_rate(field(g, key, "rate")),
                         field(g, key, "p50_us").fmt("{:.0f}", False),
                         field(g, key, "p99_us").fmt("{:.0f}"),
                         field(g, key, "server_util").fmt("{:.0%}", False) + " / " +
                         field(g, key, "loadgen_util").fmt("{:.0%}", False),
                         field(g, key, "other_util").fmt("{:.2f}"),
                         str(errs), load1(g[key])])
    add(table(["server", "case", "server µs / request", "requests/s", "p50 µs", "p99 µs",
               "busy: server / wrk", "others (cores)", "errors", "load"], rows) + "\n")
    if lp:
        rows = []
        for label in http_labels:
            for n in lp:
                key = (label, "http_longpoll", n, 0)
                if key not in g:
                    continue
                rows.append([HTTP_NAMES.get(label, label), "{:,}".format(n),
                             Stat([r["rss_before"] / 2**20 for r in g[key]]).fmt("{:.1f}", False),
                             Stat([r["rss_after"] / 2**20 for r in g[key]]).fmt("{:.1f}", False),
                             field(g, key, "kib_per_item").fmt("{:.2f}"),
                             str(min(r.get("released", 0) for r in g[key])), load1(g[key])])
        add(table(["server", "held", "RSS before MiB", "RSS after MiB", "KiB / held request",
                   "answered (min)", "load"], rows) + "\n")


def relative(cmd):
    root = os.getcwd() + "/"
    return cmd.replace(root, "")


def targets(g, micro, settings):
    """The goals of issue 6, each checked against this run."""
    rows = []

    def med(key, name):
        return field(g, key, name).med

    # The issue asks for less CPU than every peer, "approaching Go's": Go
    # with a goroutine per connection is the ceiling for a Go host, so the
    # goal is checked against the others and the distance to Go is shown.
    peers = [p for p in PEER_ORDER if p not in ("evscript", "go")]
    for n in ECHO_CONNS:
        ev = med(("evscript", "echo", n, 0), "server_us_per_op")
        best = min(((med((p, "echo", n, 0), "server_us_per_op"), p) for p in peers
                    if med((p, "echo", n, 0), "server_us_per_op")), default=(None, None))
        go = med(("go", "echo", n, 0), "server_us_per_op")
        target = "less than every peer but Go (best: {} {})".format(
            PEER_NAMES.get(best[1], "?"), "{:.2f}".format(best[0]) if best[0] else "?")
        if go:
            target += "; approaching Go's {:.2f}".format(go)
        shown = "{:.2f}".format(ev) if ev is not None else None
        if ev is not None and go:
            shown += " ({:.2f}× Go)".format(ev / go)
        rows.append(goal("echo, server µs per round trip at {} conns".format(n), target,
                         shown, "{}", best[0] is not None and ev is not None and ev < best[0]))
    for clients, window in CHAT_CASES:
        ev = med(("evscript", "chat", clients, window), "rate")
        uv = med(("uvloop", "chat", clients, window), "rate")
        rows.append(goal("chat deliveries/s, {} clients, {} in flight".format(clients, window),
                         "more than uvloop ({})".format(fmt_rate(uv) if uv else "?"),
                         ev, None, uv is not None and ev is not None and ev > uv))
    p99 = med(("evscript", "chat", 100, 1), "p99_us")
    rows.append(goal("chat p99 broadcast latency, 100 clients", "≤ 2000 µs", p99, "{:.0f} µs",
                     p99 is not None and p99 <= 2000))
    idle_n = int(settings.get("idle_conns", "10000") or 10000)
    idle = med(("evscript", "idle", idle_n, 0), "kib_per_item")
    rows.append(goal("idle KiB per connection at {:,}".format(idle_n), "≤ 10", idle, "{:.2f}",
                     idle is not None and idle <= 10))
    st = [r["median_ms"] for k, rs in g.items() if k[0] == "evscript" and k[1] == "startup" for r in rs]
    s = statistics.median(st) if st else None
    rows.append(goal("startup of a one-line script", "≤ 10 ms", s, "{:.1f} ms", s is not None and s <= 10))
    return table(["goal", "target", "evscript", "met?"], rows) + "\n"


def goal(name, target, value, f, ok):
    if value is None:
        return [name, target, "not measured", "–"]
    shown = fmt_rate(value) if f is None else f.format(value)
    return [name, target, shown, "yes" if ok else "**no**"]


def short(v):
    """A bar's label: three significant digits, k and M for large values."""
    if v >= 1e6:
        return "{:.2g}M".format(v / 1e6)
    if v >= 1e4:
        return "{:.0f}k".format(v / 1e3)
    return "{:.3g}".format(v)


def write_chart(path, runs, micro):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = group(runs)
    labels = peer_sort({r["label"] for r in runs} | set(micro))
    fig, axes = plt.subplots(2, 3, figsize=(16, 9))
    fig.suptitle("evscript and its peers (tests/bench/RESULTS.md): medians, bars show min–max")

    def bars(ax, cases, value, title, ylabel, log=False, case_names=None):
        width = 0.8 / max(1, len(labels))
        for i, label in enumerate(labels):
            xs, ys, lo, hi = [], [], [], []
            for j, key_of in enumerate(cases):
                s = Stat([r.get(value, 0) if isinstance(value, str) else value(r)
                          for r in g.get(key_of(label), [])])
                if s.med is None:
                    continue
                xs.append(j + (i - (len(labels) - 1) / 2) * width)
                ys.append(s.med)
                lo.append(s.med - s.lo)
                hi.append(s.hi - s.med)
            if xs:
                ax.bar(xs, ys, width, yerr=[lo, hi], label=PEER_NAMES.get(label, label),
                       color=COLORS.get(label), capsize=2)
                for x, y in zip(xs, ys):
                    ax.annotate(short(y), (x, y), ha="center", va="bottom", fontsize=6,
                                xytext=(0, 1), textcoords="offset points")
        ax.set_xticks(range(len(cases)))
        ax.set_xticklabels(case_names or [""] * len(cases))
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if log:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)

    bars(axes[0][0], [lambda l, n=n: (l, "echo", n, 0) for n in ECHO_CONNS], "server_us_per_op",
         "echo: server CPU per round trip (lower is better)", "µs", case_names=[
             "{} conns".format(n) for n in ECHO_CONNS])
    bars(axes[0][1], [lambda l, c=c: (l, "chat", c[0], c[1]) for c in CHAT_CASES], "rate",
         "chat: deliveries per second (higher is better)", "deliveries/s", log=True, case_names=[
             "{} clients\n{} in flight".format(c, w) for c, w in CHAT_CASES])
    bars(axes[0][2], [lambda l, n=n: (l, "echo", n, 0) for n in ECHO_CONNS], "rate",
         "echo: round trips per second (higher is better)", "round trips/s", case_names=[
             "{} conns".format(n) for n in ECHO_CONNS])
    idle_keys = sorted({k[2] for k in g if k[1] == "idle"})
    bars(axes[1][0], [lambda l, n=n: (l, "idle", n, 0) for n in idle_keys], "kib_per_item",
         "memory per idle connection (lower is better)", "KiB (VmRSS)", case_names=[
             "{:,} connections".format(n) for n in idle_keys])
    parked_keys = sorted({k[2] for k in g if k[1] == "parked"})
    bars(axes[1][1], [lambda l, n=n: (l, "parked", n, 0) for n in parked_keys], "kib_per_item",
         "memory per parked green thread (lower is better)", "KiB (VmRSS)", case_names=[
             "{:,} threads".format(n) for n in parked_keys])
    start_keys = [lambda l: (l, "startup", 0, 0)]
    bars(axes[1][2], start_keys, "median_ms", "startup of a one-line script (lower is better)",
         "ms", log=True, case_names=[""])
    from matplotlib.patches import Patch

    handles = [Patch(color=COLORS.get(l, "black"), label=PEER_NAMES.get(l, l)) for l in labels]
    fig.legend(handles=handles, loc="lower center", ncol=len(labels))
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    fig.savefig(path, dpi=90)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--micro", required=True)
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--chart", default="", help="the chart to write (none if empty)")
    a = ap.parse_args()
    runs, failures = load_results(a.results)
    micro, micro_cmds = parse_micro(a.micro)
    settings = read_settings(os.path.dirname(os.path.abspath(a.results)))
    write_markdown(a.markdown, runs, failures, micro, micro_cmds, settings, machine(), a.chart)
    if a.chart:
        write_chart(a.chart, runs, micro)


if __name__ == "__main__":
    main()
