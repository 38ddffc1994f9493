#!/usr/bin/env bash
# Start a single-node Apache Kafka broker (KRaft, broker + controller in one JVM) on 127.0.0.1:9092
# from jars that Maven resolves from Maven Central (cached under ~/.cache). No Docker, no tarball.
#
#   bash scripts/services/kafka-start.sh   # returns once the broker answers a Metadata request
#   bash scripts/services/kafka-stop.sh
#
# Idempotent: a broker already running from this state dir means exit 0. The state (topics,
# committed offsets) survives a stop/start; KAFKA_FRESH=1 wipes it first.
# Needs java >= 17, mvn, node. Every setting below can be overridden from the environment.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF_SRC="$HERE/kafka"

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
KAFKA_SCALA_VERSION="${KAFKA_SCALA_VERSION:-2.13}"
KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_NODE_ID=1
# any 22-char base64url UUID; fixed so that a kept state dir always matches
KAFKA_CLUSTER_ID="${KAFKA_CLUSTER_ID:-4L6g3nShT-eMCtK--X86sw}"
KAFKA_CACHE_DIR="${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/marquee/kafka-jars}"
KAFKA_STATE_DIR="${KAFKA_STATE_DIR:-${TMPDIR:-/tmp}/marquee-kafka-${KAFKA_PORT}}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
MVN="${MVN:-mvn}"
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then JAVA="${JAVA:-$JAVA_HOME/bin/java}"; else JAVA="${JAVA:-java}"; fi
NODE="${NODE:-node}"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

LIB_DIR="$KAFKA_CACHE_DIR/kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}"
CONF_DIR="$KAFKA_STATE_DIR/config"
DATA_DIR="$KAFKA_STATE_DIR/data"
LOG_DIR="$KAFKA_STATE_DIR/logs"
PID_FILE="$KAFKA_STATE_DIR/kafka.pid"
OUT_FILE="$LOG_DIR/kafka.out"

log() { echo "[kafka-start] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
pid_is_kafka() { [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'kafka\.Kafka'; }
probe() { "$NODE" "$CONF_SRC/kafka-ready.mjs" "$KAFKA_HOST" "$KAFKA_PORT" "$KAFKA_NODE_ID" 3000; }

case "$KAFKA_STATE_DIR" in ""|/|"$HOME"|"$HOME/") die "refusing KAFKA_STATE_DIR=$KAFKA_STATE_DIR";; esac
[[ "${KAFKA_VERSION%%.*}" == 3 ]] || die "KAFKA_VERSION=$KAFKA_VERSION: these scripts configure Kafka 3.x (reload4j logging)"
command -v "$JAVA" >/dev/null || die "java not found (install openjdk-17-jre-headless)"
command -v "$NODE" >/dev/null || die "node not found"

# --- 0. already running? -------------------------------------------------------------------------
# a broker of this state dir whose pid file was lost (an interrupted start) is found by its config path
if ! { [[ -f "$PID_FILE" ]] && pid_is_kafka "$(cat "$PID_FILE")"; }; then
  orphan="$(pgrep -f "kafka\.Kafka $CONF_DIR/server\.properties" | head -n 1 || true)"
  if [[ -n "$orphan" ]]; then echo "$orphan" >"$PID_FILE"; fi
fi
if [[ -f "$PID_FILE" ]] && pid_is_kafka "$(cat "$PID_FILE")"; then
  pid="$(cat "$PID_FILE")"
  # it may still be starting (another caller raced us): wait for readiness below rather than fail
  log "Kafka already running (pid $pid) at $KAFKA_HOST:$KAFKA_PORT"
else
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$KAFKA_HOST" "$p"; then
      if [[ "$p" == "$KAFKA_PORT" ]] && probe >/dev/null 2>&1; then
        log "a Kafka broker not started from $KAFKA_STATE_DIR already answers at $KAFKA_HOST:$p; using it"
        echo "KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
        exit 0
      fi
      die "port $KAFKA_HOST:$p is in use by another process"
    fi
  done

  # --- 1. jars from Maven Central (cached) -------------------------------------------------------
  if [[ ! -f "$LIB_DIR/.complete" ]]; then
    command -v "$MVN" >/dev/null || die "mvn not found (install maven) and no cached jars in $LIB_DIR"
    log "resolving kafka_${KAFKA_SCALA_VERSION}:${KAFKA_VERSION} and its runtime dependencies with Maven ..."
    tmp="$LIB_DIR.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    "$MVN" -B -q -f "$CONF_SRC/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
      -DincludeScope=runtime -DoutputDirectory="$tmp" \
      -Dkafka.version="$KAFKA_VERSION" -Dscala.binary.version="$KAFKA_SCALA_VERSION"
    [[ -f "$tmp/kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}.jar" ]] || die "Maven did not produce kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION}.jar"
    touch "$tmp/.complete"
    rm -rf "$LIB_DIR" && mv "$tmp" "$LIB_DIR"
    log "$(find "$LIB_DIR" -name '*.jar' | wc -l) jars in $LIB_DIR ($(du -sh "$LIB_DIR" | cut -f1))"
  fi
  CLASSPATH_WILDCARD="$LIB_DIR/*"   # quoted: the JVM expands dir/* to every jar in dir

  # --- 2. state + config ---------------------------------------------------------------------------
  if [[ "${KAFKA_FRESH:-0}" == 1 ]]; then rm -rf "$KAFKA_STATE_DIR"; fi
  mkdir -p "$CONF_DIR" "$DATA_DIR" "$LOG_DIR"
  cp "$CONF_SRC/log4j.properties" "$CONF_DIR/"
  {
    cat "$CONF_SRC/server.properties"
    echo
    echo "# ---- appended by kafka-start.sh (last occurrence wins) ----"
    echo "log.dirs=$DATA_DIR"
    echo "listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT"
    echo "advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT"
    echo "controller.quorum.voters=$KAFKA_NODE_ID@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT"
  } >"$CONF_DIR/server.properties"
  LOG_OPTS=("-Dkafka.logs.dir=$LOG_DIR" "-Dlog4j.configuration=file:$CONF_DIR/log4j.properties")

  # --- 3. format the KRaft storage once (a kept state dir is reused) -------------------------------
  if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
    log "formatting $DATA_DIR (cluster id $KAFKA_CLUSTER_ID)"
    if ! "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${LOG_OPTS[@]}" -cp "$CLASSPATH_WILDCARD" \
          kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$CONF_DIR/server.properties" \
          >"$LOG_DIR/format.out" 2>&1; then
      cat "$LOG_DIR/format.out" >&2
      die "kafka.tools.StorageTool format failed"
    fi
  fi

  # --- 4. start the broker in its own session, so it outlives the shell that started it -----------
  log "starting Kafka $KAFKA_VERSION on $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT); output: $OUT_FILE"
  # a broker killed without kafka-stop.sh leaves its pid file behind: it must not be read as the new pid
  rm -f "$PID_FILE"
  # shellcheck disable=SC2086  # heap/JVM option strings are meant to be word-split
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS "${LOG_OPTS[@]}" -cp "$CLASSPATH_WILDCARD" \
    kafka.Kafka "$CONF_DIR/server.properties" >"$OUT_FILE" 2>&1 </dev/null &
  for _ in $(seq 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  [[ -s "$PID_FILE" ]] || die "the broker process did not start (no pid in $PID_FILE)"
  pid="$(cat "$PID_FILE")"
fi

# --- 5. wait until a Metadata request lists this broker (registered and unfenced) ------------------
start_ts=$SECONDS
deadline=$((SECONDS + KAFKA_START_TIMEOUT))
while :; do
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 50 "$OUT_FILE" >&2 || true
    rm -f "$PID_FILE"
    die "Kafka exited during startup (see $OUT_FILE)"
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT" && probe >/dev/null 2>"$LOG_DIR/probe.err"; then break; fi
  if (( SECONDS >= deadline )); then
    tail -n 50 "$OUT_FILE" >&2 || true
    cat "$LOG_DIR/probe.err" >&2 2>/dev/null || true
    die "Kafka not ready after ${KAFKA_START_TIMEOUT}s (pid $pid still running; stop it with kafka-stop.sh)"
  fi
  sleep 0.5
done

log "Kafka ready at $KAFKA_HOST:$KAFKA_PORT (pid $pid, waited $((SECONDS - start_ts))s)"
echo "KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
