#!/usr/bin/env bash
# A real single-node Apache Kafka 4.x broker (KRaft, broker+controller) on 127.0.0.1, no Docker.
#
#   scripts/kafka-local.sh start [--fresh] | stop | status | logs [-f] | reset
#
# Jars come from Maven Central via scripts/kafka/pom.xml (needs java 17+ and mvn).
# Progress goes to stderr; stdout gets only `export TRADESTREAM_IT_BROKERS=...`, so CI can do
#   out=$(scripts/kafka-local.sh start) || exit 1; eval "$out"
# (not `eval "$(...)"`, which hides a failed start).
# Environment: TRADESTREAM_KAFKA_HOME (cache, config, data, log; default ~/.cache/tradestream/kafka),
#   KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), KAFKA_START_TIMEOUT (seconds, 90),
#   KAFKA_HEAP (512m).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POM=$ROOT/scripts/kafka/pom.xml
KHOME=${TRADESTREAM_KAFKA_HOME:-$HOME/.cache/tradestream/kafka}
HOST=127.0.0.1
PORT=${KAFKA_PORT:-19092}
CPORT=${KAFKA_CONTROLLER_PORT:-19093}
TIMEOUT=${KAFKA_START_TIMEOUT:-90}
BOOTSTRAP=$HOST:$PORT
# The lib dir is keyed by the POM's hash, so changing the Kafka version re-assembles it.
LIB=$KHOME/lib-$(sha256sum "$POM" | cut -c1-12)
DATA=$KHOME/data
CONF=$KHOME/server.properties
LOG=$KHOME/kafka.log
PIDFILE=$KHOME/kafka.pid

log() { echo "kafka-local: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Prints the broker's pid if our broker process is alive.
running_pid() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(cat "$PIDFILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

# Runs a Kafka CLI class quietly on the assembled classpath.
KJAVA=(java -Xmx256m -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$LIB/*")

assemble() {
  [[ -f $LIB/.complete ]] && return 0
  command -v java >/dev/null || die "java (17+) not found on PATH"
  command -v mvn >/dev/null || die "mvn not found on PATH (apt-get install -y maven)"
  log "assembling the Kafka classpath into $LIB (Maven Central)"
  rm -rf "$KHOME"/lib-*  # older versions
  mvn -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$LIB.tmp" >"$KHOME/mvn.log" 2>&1 ||
    { tail -n 40 "$KHOME/mvn.log" >&2; die "mvn dependency:copy-dependencies failed (log: $KHOME/mvn.log)"; }
  touch "$LIB.tmp/.complete"
  rm -rf "$LIB" && mv "$LIB.tmp" "$LIB"
}

write_config() {
  cat >"$CONF" <<EOF
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=$HOST:$CPORT
log.dirs=$DATA/logs
metadata.log.dir=$DATA/metadata
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
# Tests delete their topics when they end; close the files soon after.
file.delete.delay.ms=1000
EOF
}

# Formats the storage once; re-formats (wiping test data) if the controller address changed,
# because the standalone voter set records it.
format_storage() {
  local stamp=$HOST:$CPORT
  if [[ -f $DATA/metadata/meta.properties && $(cat "$DATA/.formatted-for" 2>/dev/null) == "$stamp" ]]; then
    return 0
  fi
  rm -rf "$DATA" && mkdir -p "$DATA"
  local cid
  # A random UUID in URL-safe base64, without '-': an id starting with '-' reads as an option.
  cid=$(head -c16 /dev/urandom | base64 | tr '+/' '__' | cut -c1-22)
  log "formatting storage in $DATA (cluster id $cid)"
  "${KJAVA[@]}" kafka.tools.StorageTool format --standalone -t "$cid" -c "$CONF" >>"$LOG" 2>&1 ||
    { tail -n 20 "$LOG" >&2; die "storage format failed"; }
  echo "$stamp" >"$DATA/.formatted-for"
}

wait_ready() {
  local pid=$1 start=$SECONDS
  while ((SECONDS - start < TIMEOUT)); do
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$LOG" >&2; die "broker exited during start-up (log: $LOG)"; }
    if port_open "$PORT" && timeout 30 "${KJAVA[@]}" org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  tail -n 40 "$LOG" >&2
  die "broker not ready after ${TIMEOUT}s (log: $LOG)"
}

ready_message() {
  log "broker ready at $BOOTSTRAP (pid $1, log $LOG)"
  echo "export TRADESTREAM_IT_BROKERS=$BOOTSTRAP"
}

start() {
  local pid t0=$SECONDS
  if [[ ${1:-} == --fresh ]]; then stop; rm -rf "$DATA"; fi
  mkdir -p "$KHOME"
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    wait_ready "$pid"
    ready_message "$pid"
    return 0
  fi
  rm -f "$PIDFILE"
  for p in "$PORT" "$CPORT"; do
    port_open "$p" && die "port $p on $HOST is in use by another process"
  done
  assemble
  write_config
  : >"$LOG"
  format_storage
  log "starting Kafka broker $(basename "$LIB"/kafka_2.13-*.jar .jar | sed 's/kafka_2.13-//')"
  # setsid: the broker gets its own session, so it outlives this shell and ^C in it.
  # shellcheck disable=SC2016 # $$ and $@ expand in the child shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    java "-Xmx${KAFKA_HEAP:-512m}" "-Xms${KAFKA_HEAP:-512m}" -XX:+UseG1GC \
    -Djava.awt.headless=true -cp "$LIB/*" kafka.Kafka "$CONF" >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 50); do [[ -s $PIDFILE ]] && break; sleep 0.1; done
  pid=$(cat "$PIDFILE" 2>/dev/null) || die "broker did not start (log: $LOG)"
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
  log "stopping broker (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker did not stop in 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$PIDFILE"
  log "stopped"
}

status() {
  local pid
  if pid=$(running_pid) && port_open "$PORT"; then
    log "running (pid $pid) at $BOOTSTRAP"
    echo "export TRADESTREAM_IT_BROKERS=$BOOTSTRAP"
  elif [[ -n ${pid:-} ]]; then
    log "process $pid alive but $BOOTSTRAP not accepting connections"; return 1
  else
    log "not running"; return 1
  fi
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  logs) [[ -f $LOG ]] || die "no log at $LOG"
        if [[ ${2:-} == -f ]]; then tail -n 50 -f "$LOG"; else tail -n 200 "$LOG"; fi ;;
  reset) stop; rm -rf "$DATA"; log "wiped $DATA" ;;
  *) echo "usage: $0 start [--fresh] | stop | status | logs [-f] | reset" >&2; exit 2 ;;
esac
