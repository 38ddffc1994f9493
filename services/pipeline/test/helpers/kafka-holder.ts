// A member of a consumer group that holds its partitions and never consumes: it joins, pauses the
// topic and prints `assigned {...}` on every join. The tests SIGKILL it to leave a dead member
// holding the partitions until its session times out (the state a crashed collector leaves behind).
// usage: node --import tsx kafka-holder.ts BROKERS TOPIC GROUP SESSION_TIMEOUT_MS
import { createKafkaClient } from '../../sources/kafka-client.ts';

const [brokers, topic, groupId, sessionTimeout] = process.argv.slice(2);
// The round-robin assignor orders members by id (client id first): 'a-holder' sorts before the
// collector's 'marquee-ingest-<pid>', so on a one-partition topic the holder keeps the partition.
const consumer = createKafkaClient(brokers.split(','), 'a-holder').consumer({
  groupId,
  sessionTimeout: Number(sessionTimeout),
  heartbeatInterval: 1_000,
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  consumer.pause([{ topic }]);
  process.stdout.write(`assigned ${JSON.stringify(e.payload.memberAssignment)}\n`);
});
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
// Offsets are never resolved nor committed: whatever a fetch brings stays pending for the group.
await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} });
consumer.pause([{ topic }]);
