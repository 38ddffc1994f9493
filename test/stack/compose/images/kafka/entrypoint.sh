#!/usr/bin/env bash
# Formats the KRaft storage once, then runs the broker with the two listeners.
set -euo pipefail
conf=/var/lib/kafka/server.properties
cp /opt/kafka/server.properties "$conf"
cat >>"$conf" <<CONF
log.dirs=/var/lib/kafka/data
controller.quorum.voters=1@127.0.0.1:9093
listeners=INTERNAL://0.0.0.0:9092,EXTERNAL://0.0.0.0:19094,CONTROLLER://127.0.0.1:9093
advertised.listeners=INTERNAL://kafka:9092,EXTERNAL://127.0.0.1:${KAFKA_EXTERNAL_PORT:?}
inter.broker.listener.name=INTERNAL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT
CONF
java_opts=(-Xms256m -Xmx512m -XX:+UseG1GC -Dkafka.logs.dir=/var/lib/kafka/logs -Dlog4j.configuration=file:/opt/kafka/log4j.properties -cp '/opt/kafka/libs/*')
if [[ ! -f /var/lib/kafka/data/meta.properties ]]; then
  java -Xmx256m "${java_opts[@]:3}" kafka.tools.StorageTool format -t 4L6g3nShT-eMCtK--X86sw -c "$conf"
fi
exec java "${java_opts[@]}" kafka.Kafka "$conf"
