// The end-to-end stories need the local Kafka broker (127.0.0.1:9092); `npm test` starts it, and a
// story run alone starts it with the project's own script.
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';

function kafkaUp(): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host: '127.0.0.1', port: 9092 }, () => {
      s.end();
      done(true);
    });
    s.on('error', () => done(false));
  });
}

export async function ensureKafka(repoRoot: string): Promise<void> {
  if (!(await kafkaUp())) execFileSync('bash', [join(repoRoot, 'scripts/services/kafka-start.sh')], { stdio: 'inherit', timeout: 170_000 });
}
