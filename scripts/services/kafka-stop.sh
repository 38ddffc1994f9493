#!/usr/bin/env bash
# Stop the broker started by kafka-start.sh (same environment variables).
#   KAFKA_STOP_TIMEOUT  seconds to wait after SIGTERM before SIGKILL (default 30)
#   KAFKA_WIPE=1        also remove the state dir (topics, offsets, logs)
set -euo pipefail

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_STATE_DIR="${KAFKA_STATE_DIR:-${TMPDIR:-/tmp}/marquee-kafka-${KAFKA_PORT}}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
PID_FILE="$KAFKA_STATE_DIR/kafka.pid"

log() { echo "[kafka-stop] $*" >&2; }
pid_is_kafka() { [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'kafka\.Kafka'; }

# a broker of this state dir whose pid file was lost (an interrupted start) is found by its config path
if [[ ! -f "$PID_FILE" ]]; then
  orphan="$(pgrep -f "kafka\.Kafka $KAFKA_STATE_DIR/config/server\.properties" | head -n 1 || true)"
  if [[ -n "$orphan" ]]; then echo "$orphan" >"$PID_FILE"; fi
fi

if [[ -f "$PID_FILE" ]]; then
  pid="$(cat "$PID_FILE")"
  if pid_is_kafka "$pid"; then
    log "stopping Kafka (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true   # clean shutdown via the JVM shutdown hook
    deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "still alive after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    fi
    log "stopped"
  else
    log "pid $pid from $PID_FILE is not a running Kafka; nothing to stop"
  fi
  rm -f "$PID_FILE"
else
  log "no $PID_FILE; nothing to stop"
fi

if [[ "${KAFKA_WIPE:-0}" == 1 ]]; then
  case "$KAFKA_STATE_DIR" in ""|/|"$HOME"|"$HOME/") log "refusing to wipe $KAFKA_STATE_DIR"; exit 1;; esac
  rm -rf "$KAFKA_STATE_DIR"
  log "removed $KAFKA_STATE_DIR"
fi
