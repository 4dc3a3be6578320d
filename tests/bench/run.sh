#!/usr/bin/env bash
# The comparison harness: evscript against eventlet, gevent, asyncio,
# asyncio+uvloop, Node.js and Go (a goroutine per connection), on the same
# line echo and chat jobs, plus green-thread micro-benchmarks. It writes
# tests/bench/RESULTS.md and tests/bench/results.png. Run it by hand (the
# full run takes about 40 minutes; it is not part of go test or CI):
#
#   tests/bench/run.sh              medians of 3 runs x 10 s per case
#   QUICK=1 tests/bench/run.sh      1 run x 3 s, 2,000 idle connections
#   tests/bench/http.sh             only the HTTP cases (CASES=http), into out/http
#
# Settings (environment variables, defaults in brackets):
#   DURATION [10] seconds measured per run; WARMUP [2] seconds before that
#   REPEATS [3] runs of every case; the report gives median and min-max
#   PEERS ["evscript go node uvloop asyncio gevent eventlet"]
#   CASES ["echo chat idle micro http"]
#   HTTP_PEERS ["evscript evscript-nolog go node uvicorn aiohttp gevent eventlet"]:
#     the servers of the http cases (tests/bench/peers/http_*); evscript-nolog
#     runs the hello cases on peers/http_peer.star, without hello_wsgi.star's
#     access log (the other peers log nothing)
#   WRK_THREADS [1] wrk threads (all on LOADGEN_CPU)  LONGPOLL [5000] held requests
#   EVSCRIPT [build from this tree]: an evscript binary to run instead
#   HELLO_WSGI [scripts/hello_wsgi.star]: evscript's hello-world app; when it
#     is absent (no wsgi yet), evscript is left out of the http cases
#   MARKDOWN [tests/bench/RESULTS.md] and CHART [tests/bench/results.png; empty: none]
#   IDLE_CONNS [10000]  PARKED [100000]  STARTUP_RUNS [20]  SENDERS [10]
#   SERVER_CPU [1] and LOADGEN_CPU [0]: the cores taskset pins them to
#   NICE [-10]: priority of server and load generator over other work
#   QUIET [0.3] and QUIET_WAIT [30s]: before each server case, wait (that
#     long at most) until other work uses less than QUIET cores
#   OUT [tests/bench/out]: raw results, logs and binaries (not committed)
#   REPORT_ONLY=1: only rewrite RESULTS.md and the chart from OUT
#   APPEND=1: add to OUT's results instead of starting afresh (for example a
#     later run of one more peer), then report on all of them
#
# Missing peers are installed with apt-get (python3-eventlet,
# python3-gevent, python3-uvloop, python3-matplotlib, nodejs; for http:
# wrk, python3-aiohttp, python3-uvicorn, python3-httptools). The Python
# peers run under Debian's /usr/bin/python3, where those packages live.
# evscript serves scripts/echoserver.star and scripts/chatserver.star; when
# they are absent, evscript is left out of the server cases.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

if [ -n "${QUICK:-}" ]; then
	: "${DURATION:=3}" "${WARMUP:=1}" "${REPEATS:=1}" "${IDLE_CONNS:=2000}" "${PARKED:=20000}" "${STARTUP_RUNS:=5}"
fi
: "${DURATION:=10}" "${WARMUP:=2}" "${REPEATS:=3}" "${IDLE_CONNS:=10000}" "${PARKED:=100000}" "${STARTUP_RUNS:=20}"
: "${PEERS:=evscript go node uvloop asyncio gevent eventlet}" "${CASES:=echo chat idle micro http}" "${SENDERS:=10}"
: "${HTTP_PEERS:=evscript evscript-nolog go node uvicorn aiohttp gevent eventlet}" "${WRK_THREADS:=1}" "${LONGPOLL:=5000}"
: "${HELLO_WSGI:=scripts/hello_wsgi.star}" "${MARKDOWN:=$ROOT/tests/bench/RESULTS.md}" "${CHART=$ROOT/tests/bench/results.png}"
: "${SERVER_CPU:=1}" "${LOADGEN_CPU:=0}" "${NICE:=-10}" "${OUT:=$ROOT/tests/bench/out}"
: "${QUIET:=0.3}" "${QUIET_WAIT:=30s}"
PY=/usr/bin/python3
BIN=$OUT/bin
EV=${EVSCRIPT:-$BIN/evscript}
RESULTS=$OUT/results.jsonl
MICRO=$OUT/micro
export DURATION WARMUP REPEATS IDLE_CONNS PARKED STARTUP_RUNS SENDERS SERVER_CPU LOADGEN_CPU NICE QUICK

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ensure_peers installs what is missing, with apt-get update once first,
# each step bounded in time. A peer that cannot be installed is dropped.
ensure_peers() {
	local missing=() mod pkg
	for mod in eventlet gevent uvloop matplotlib; do
		"$PY" -c "import $mod" 2>/dev/null || missing+=("python3-$mod")
	done
	command -v node >/dev/null || missing+=(nodejs)
	case " $CASES " in *" http "*)
		for mod in aiohttp uvicorn httptools; do
			"$PY" -c "import $mod" 2>/dev/null || missing+=("python3-$mod")
		done
		command -v wrk >/dev/null || missing+=(wrk) ;;
	esac
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		timeout 300 apt-get update -q >"$OUT/apt.log" 2>&1 || log "apt-get update failed (see $OUT/apt.log)"
		for pkg in "${missing[@]}"; do
			DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q "$pkg" >>"$OUT/apt.log" 2>&1 ||
				log "could not install $pkg (see $OUT/apt.log)"
		done
	fi
	local kept=() p
	for p in $PEERS; do
		case $p in
		eventlet | gevent | uvloop) "$PY" -c "import $p" 2>/dev/null || { log "no $p: skipped"; continue; } ;;
		asyncio) [ -x "$PY" ] || { log "no $PY: asyncio skipped"; continue; } ;;
		node) command -v node >/dev/null || { log "no node: skipped"; continue; } ;;
		esac
		kept+=("$p")
	done
	PEERS="${kept[*]}"
	kept=()
	for p in $HTTP_PEERS; do
		case $p in
		eventlet | gevent) "$PY" -c "import $p" 2>/dev/null || { log "no $p: skipped in http"; continue; } ;;
		aiohttp) "$PY" -c "import aiohttp, uvloop" 2>/dev/null || { log "no aiohttp or uvloop: skipped in http"; continue; } ;;
		uvicorn) "$PY" -c "import uvicorn, httptools, uvloop" 2>/dev/null || { log "no uvicorn, httptools or uvloop: skipped in http"; continue; } ;;
		node) command -v node >/dev/null || { log "no node: skipped in http"; continue; } ;;
		evscript | evscript-nolog) [ -f "$HELLO_WSGI" ] || { log "no $HELLO_WSGI (wsgi not there yet): evscript skipped in http"; continue; } ;;
		esac
		kept+=("$p")
	done
	HTTP_PEERS="${kept[*]}"
}

build() {
	log "building evscript, loadgen and gopeer"
	[ -n "${EVSCRIPT:-}" ] || go build -o "$BIN/evscript" ./cmd/evscript
	go build -o "$BIN/loadgen" ./tests/bench/loadgen
	go build -o "$BIN/gopeer" ./tests/bench/peers/gopeer
}

# server PEER JOB prints the command that serves JOB (echo or chat); the
# load generator appends the port. It fails for evscript without scripts.
server() {
	case $1 in
	evscript)
		[ -f "scripts/${2}server.star" ] || return 1
		echo "$EV scripts/${2}server.star"
		;;
	go) echo "$BIN/gopeer $2" ;;
	node) echo "node tests/bench/peers/node_peer.js $2" ;;
	*) echo "$PY tests/bench/peers/${1}_peer.py $2" ;;
	esac
}

# load PEER SUBCOMMAND JOB FLAGS... runs one load-generator case.
load() {
	local peer=$1 sub=$2 job=$3 cmd
	shift 3
	cmd=$(server "$peer" "$job") || return 0
	# shellcheck disable=SC2086 # cmd is a command line
	nice -n "$NICE" taskset -c "$LOADGEN_CPU" "$BIN/loadgen" "$sub" -label "$peer" -json "$RESULTS" \
		-warmup "${WARMUP}s" -duration "${DURATION}s" -quiet "$QUIET" -quiet-wait "$QUIET_WAIT" "$@" -- taskset -c "$SERVER_CPU" $cmd ||
		log "$peer $sub $* failed (recorded in $RESULTS)"
}

server_cases() {
	local peer
	for peer in $PEERS; do
		case " $CASES " in *" echo "*)
			for n in 10 100 1000; do load "$peer" echo echo -conns $n; done ;;
		esac
		case " $CASES " in *" chat "*)
			load "$peer" chat chat -clients 100 -senders "$SENDERS" -window 1
			load "$peer" chat chat -clients 1000 -senders "$SENDERS" -window 1
			load "$peer" chat chat -clients 100 -senders "$SENDERS" -window 16 ;;
		esac
		case " $CASES " in *" idle "*)
			load "$peer" idle echo -conns "$IDLE_CONNS" ;;
		esac
	done
}

# http_server PEER JOB prints the command of PEER's HTTP server: JOB hello
# (hello world) or all (echo and long-poll too); loadgen appends the port.
http_server() {
	case $1 in
	evscript)
		if [ "$2" = hello ]; then echo "$EV $HELLO_WSGI"; else echo "$EV tests/bench/peers/http_peer.star"; fi ;;
	evscript-nolog) echo "$EV tests/bench/peers/http_peer.star" ;;
	go) echo "$BIN/gopeer http" ;;
	node) echo "node tests/bench/peers/http_node.js" ;;
	*) echo "$PY tests/bench/peers/http_$1.py" ;;
	esac
}

# http_load PEER JOB SUBCOMMAND FLAGS... runs one HTTP case.
http_load() {
	local peer=$1 job=$2 sub=$3 cmd
	shift 3
	cmd=$(http_server "$peer" "$job")
	# shellcheck disable=SC2086 # cmd is a command line
	nice -n "$NICE" taskset -c "$LOADGEN_CPU" "$BIN/loadgen" "$sub" -label "$peer" -json "$RESULTS" \
		-warmup "${WARMUP}s" -duration "${DURATION}s" -quiet "$QUIET" -quiet-wait "$QUIET_WAIT" "$@" -- taskset -c "$SERVER_CPU" $cmd ||
		log "$peer http $sub $* failed (recorded in $RESULTS)"
}

# http_cases: (a) hello at 100 and (b) 1000 keep-alive connections, (c) a
# new connection per request, (d) POST 4 KiB echo, (e) held long-polls.
http_cases() {
	local peer wrk=()
	command -v wrk >/dev/null && wrk=(-threads "$WRK_THREADS")
	for peer in $HTTP_PEERS; do
		if [ ${#wrk[@]} -gt 0 ]; then
			http_load "$peer" hello wrk "${wrk[@]}" -conns 100
			http_load "$peer" hello wrk "${wrk[@]}" -conns 1000
			http_load "$peer" hello wrk "${wrk[@]}" -conns 100 -close
			# evscript-nolog differs from evscript only in the hello cases.
			[ "$peer" = evscript-nolog ] || http_load "$peer" all wrk "${wrk[@]}" -conns 100 -body 4096
		fi
		[ "$peer" = evscript-nolog ] || http_load "$peer" all longpoll -conns "$LONGPOLL"
	done
}

# micro PEER REPEAT: parked memory, startup and the peer's own
# micro-benchmarks (for evscript: go test -bench in builtins and tests).
micro() {
	local peer=$1 rep=$2 hello parked bench
	local pin=(nice -n "$NICE" taskset -c "$SERVER_CPU")
	case $peer in
	evscript)
		hello=("$EV" -c 'print(1)')
		parked=("$EV" tests/bench/peers/parked.star)
		;;
	go)
		hello=("$BIN/gopeer" hello)
		parked=("$BIN/gopeer" parked)
		bench=("$BIN/gopeer" micro)
		;;
	node)
		hello=(node tests/bench/peers/node_peer.js hello)
		parked=(node tests/bench/peers/node_peer.js parked)
		bench=(node tests/bench/peers/node_peer.js micro)
		;;
	*)
		hello=("$PY" "tests/bench/peers/${peer}_peer.py" hello)
		parked=("$PY" "tests/bench/peers/${peer}_peer.py" parked)
		bench=("$PY" "tests/bench/peers/${peer}_peer.py" micro)
		;;
	esac
	"${pin[@]}" "$BIN/loadgen" startup -label "$peer" -json "$RESULTS" -n "$STARTUP_RUNS" -- "${hello[@]}" ||
		log "$peer startup failed"
	"${pin[@]}" "$BIN/loadgen" parked -label "$peer" -json "$RESULTS" -n "$PARKED" -- "${parked[@]}" ||
		log "$peer parked failed"
	local f="$MICRO/$peer.$rep.txt"
	if [ "$peer" = evscript ]; then
		{
			echo "# ${pin[*]} go test -run '^\$' -bench 'Sleep0Switch|Sleep0Alone|SpawnJoin|ParkedThread' -benchtime 1s ./builtins"
			"${pin[@]}" go test -count=1 -run '^$' -bench 'Sleep0Switch|Sleep0Alone|SpawnJoin|ParkedThread' -benchtime 1s ./builtins
			echo "# ${pin[*]} go test -run '^\$' -bench Startup -benchtime 200x ./tests"
			"${pin[@]}" go test -count=1 -run '^$' -bench Startup -benchtime 200x ./tests
		} >"$f" 2>&1 || log "$peer go test -bench failed (see $f)"
	else
		{
			echo "# ${pin[*]} ${bench[*]}"
			timeout 300 "${pin[@]}" "${bench[@]}"
		} >"$f" 2>&1 || log "$peer micro failed (see $f)"
	fi
}

report() {
	log "writing $MARKDOWN${CHART:+ and $CHART}"
	"$PY" tests/bench/report.py --results "$RESULTS" --micro "$MICRO" --markdown "$MARKDOWN" --chart "$CHART"
}

mkdir -p "$OUT" "$BIN" "$MICRO"
if [ -n "${REPORT_ONLY:-}" ]; then
	report
	exit 0
fi
ensure_peers
build
if [ ! -f scripts/echoserver.star ] || [ ! -f scripts/chatserver.star ]; then
	log "scripts/echoserver.star or scripts/chatserver.star missing: evscript runs only the micro-benchmarks"
fi
ulimit -n "$(ulimit -Hn)"
if [ -z "${APPEND:-}" ]; then
	mv -f "$RESULTS" "$RESULTS.old" 2>/dev/null || true
	rm -f "$MICRO"/*.txt "$OUT/run.txt"
fi
{
	echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "peers=$PEERS"
	echo "cases=$CASES"
	echo "http_peers=$HTTP_PEERS"
	echo "wrk_threads=$WRK_THREADS longpoll=$LONGPOLL evscript=$EV hello_wsgi=$HELLO_WSGI"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)"
	echo "duration=$DURATION warmup=$WARMUP repeats=$REPEATS idle_conns=$IDLE_CONNS parked=$PARKED startup_runs=$STARTUP_RUNS senders=$SENDERS"
	echo "server_cpu=$SERVER_CPU loadgen_cpu=$LOADGEN_CPU nice=$NICE quiet=$QUIET quiet_wait=$QUIET_WAIT quick=${QUICK:-}"
	echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo '+dirty')"
} >>"$OUT/run.txt"
for rep in $(seq 1 "$REPEATS"); do
	log "repeat $rep of $REPEATS: $CASES; peers $PEERS; http peers $HTTP_PEERS"
	server_cases
	case " $CASES " in *" http "*) http_cases ;; esac
	case " $CASES " in *" micro "*)
		for peer in $PEERS; do micro "$peer" "$rep"; done ;;
	esac
done
echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ) loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)" >>"$OUT/run.txt"
report
