#!/usr/bin/env bash
# A real Confluent-compatible Schema Registry on 127.0.0.1 (axonops-schema-registry, memory
# backend, real compatibility checks), built from the separate Go module tools/registry.
#
#   scripts/registry-local.sh start | stop | status | logs [-f]
#
# Progress goes to stderr; stdout gets only `export TRADESTREAM_IT_REGISTRY=...`, so CI can do
#   out=$(scripts/registry-local.sh start) || exit 1; eval "$out"
# (not `eval "$(...)"`, which hides a failed start).
# Environment: TRADESTREAM_REGISTRY_HOME (binary cache, log, pid; default
#   ~/.cache/tradestream/registry), REGISTRY_PORT (18081), REGISTRY_COMPATIBILITY (global default,
#   BACKWARD), REGISTRY_START_TIMEOUT (seconds, 30).
# The memory backend keeps nothing across a restart.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOD=$ROOT/tools/registry
PKG=github.com/axonops/axonops-schema-registry
RHOME=${TRADESTREAM_REGISTRY_HOME:-$HOME/.cache/tradestream/registry}
HOST=127.0.0.1
PORT=${REGISTRY_PORT:-18081}
URL=http://$HOST:$PORT
TIMEOUT=${REGISTRY_START_TIMEOUT:-30}
# The binary is keyed by the tools module's go.mod/go.sum, so a version bump rebuilds it.
BIN=$RHOME/bin/schema-registry-$(cat "$MOD/go.mod" "$MOD/go.sum" | sha256sum | cut -c1-12)
LOG=$RHOME/registry.log
PIDFILE=$RHOME/registry.pid

log() { echo "registry-local: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }
answers() { [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/subjects") == 200 ]]; }

running_pid() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(cat "$PIDFILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'schema-registry' || return 1
  echo "$pid"
}

build() {
  [[ -x $BIN ]] && return 0
  command -v go >/dev/null || die "go not found on PATH"
  local version
  version=$(awk -v p="$PKG" '$1 == p { print $2 }' "$MOD/go.mod")
  log "building $PKG $version (tools/registry) into $BIN"
  rm -rf "${RHOME:?}/bin" && mkdir -p "$RHOME/bin"  # drop older builds
  go build -C "$MOD" -trimpath -ldflags "-X main.version=$version" -o "$BIN.tmp" "$PKG/cmd/schema-registry" ||
    die "go build of $PKG/cmd/schema-registry failed"
  mv "$BIN.tmp" "$BIN"
}

wait_ready() {
  local pid=$1 start=$SECONDS
  until answers; do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOG" >&2; die "registry exited during start-up (log: $LOG)"; }
    ((SECONDS - start < TIMEOUT)) || { tail -n 20 "$LOG" >&2; die "no answer from $URL/subjects after ${TIMEOUT}s"; }
    sleep 0.2
  done
}

ready_message() {
  log "registry ready at $URL (pid $1, log $LOG)"
  echo "export TRADESTREAM_IT_REGISTRY=$URL"
}

start() {
  local pid t0=$SECONDS
  mkdir -p "$RHOME"
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    wait_ready "$pid"
    ready_message "$pid"
    return 0
  fi
  rm -f "$PIDFILE"
  port_open && die "port $PORT on $HOST is in use by another process"
  command -v curl >/dev/null || die "curl not found on PATH"
  build
  : >"$LOG"
  # shellcheck disable=SC2016 # $$ and $@ expand in the child shell
  setsid env SCHEMA_REGISTRY_HOST=$HOST SCHEMA_REGISTRY_PORT="$PORT" SCHEMA_REGISTRY_STORAGE_TYPE=memory \
    SCHEMA_REGISTRY_COMPATIBILITY_LEVEL="${REGISTRY_COMPATIBILITY:-BACKWARD}" \
    bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" "$BIN" >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 50); do [[ -s $PIDFILE ]] && break; sleep 0.1; done
  pid=$(cat "$PIDFILE" 2>/dev/null) || die "registry did not start (log: $LOG)"
  wait_ready "$pid"
  log "started in $((SECONDS - t0))s"
  ready_message "$pid"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  log "stopping registry (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  log "stopped"
}

status() {
  local pid
  if pid=$(running_pid) && answers; then
    log "running (pid $pid) at $URL"
    echo "export TRADESTREAM_IT_REGISTRY=$URL"
  elif [[ -n ${pid:-} ]]; then
    log "process $pid alive but $URL/subjects does not answer 200"; return 1
  else
    log "not running"; return 1
  fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  logs) [[ -f $LOG ]] || die "no log at $LOG"
        if [[ ${2:-} == -f ]]; then tail -n 50 -f "$LOG"; else tail -n 200 "$LOG"; fi ;;
  *) echo "usage: $0 start | stop | status | logs [-f]" >&2; exit 2 ;;
esac
