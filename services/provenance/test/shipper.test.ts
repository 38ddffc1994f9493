// The provenance shipper's logic against real files and a fake MySQL sink: what a line means, that
// the position moves only after MySQL took the rows, restart, rotation, deferral.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RowSink } from '../../inference/provenance/recorder.ts';
import type { ProvenanceRow } from '../../core/provenance/row.ts';
import { parseProvenanceLine, unescapeNginx } from '../shipper/nginx-line.ts';
import { ProvenanceShipper, rotatedFiles } from '../shipper/shipper.ts';

const line = (id: string, o: { status?: string; completion?: string; header?: string; replica?: string } = {}) =>
  [id, o.replica ?? 'stable-1', '7', 'stable', '1796297355.074', o.status ?? '200', o.completion ?? 'OK', o.header ?? '42 0.412 5,3,9'].join('\t') + '\n';

describe('parseProvenanceLine', () => {
  it('reads the answer NGINX passed on as a delivered row', () => {
    const r = parseProvenanceLine(line('1796297355.074-00aa').slice(0, -1));
    expect(r).toEqual({
      row: { requestId: '1796297355.074-00aa', replica: 'stable-1', version: '7', userId: 42, servedAt: 1796297355074, track: 'stable', status: 200, latencyMs: 0.412, result: '5,3,9' },
    });
  });

  it('marks an answer the caller did not get whole as abandoned (499)', () => {
    for (const o of [{ status: '499', completion: '' }, { status: '200', completion: '' }]) {
      const r = parseProvenanceLine(line('r1', o).slice(0, -1));
      expect('row' in r && r.row.status).toBe(499);
    }
  });

  it('refuses torn lines, other formats and values reccom cannot hold, saying why', () => {
    expect(parseProvenanceLine('r1\tstable-1\t7')).toEqual({ problem: '3 fields, not 8' });
    expect(parseProvenanceLine(line('r1', { header: 'garbage' }).slice(0, -1))).toEqual({ problem: 'X-Provenance is not "<userId> <latencyMs> <ids>"' });
    const bad = parseProvenanceLine(line('r 1').slice(0, -1));
    expect('problem' in bad && bad.problem).toMatch(/^request_id/);
    const quoted = parseProvenanceLine(line('r1', { replica: 'a\\x22b' }).slice(0, -1));
    expect('problem' in quoted && quoted.problem).toMatch(/^replica "a\\"b"/);
  });

  it('undoes NGINX escapes, multi-byte characters included', () => {
    expect(unescapeNginx('a\\x22b\\x5Cc')).toBe('a"b\\c');
    expect(unescapeNginx('\\xC3\\xA9t\\xC3\\xA9')).toBe('été');
    expect(unescapeNginx('plain')).toBe('plain');
  });
});

/** A sink that keeps what it is given; `fail` makes writes throw. */
function fakeSink() {
  const rows: ProvenanceRow[] = [];
  const s = { rows, fail: false, writes: 0 };
  const sink: RowSink = {
    async write(batch) {
      s.writes++;
      if (s.fail) throw new Error('MySQL is down');
      rows.push(...batch);
    },
    close: async () => undefined,
  };
  return Object.assign(s, { sink });
}

let dir: string;
let log: string;
let position: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shipper-'));
  log = join(dir, 'provenance.log');
  position = join(dir, 'provenance.log.position');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function shipper(sink: RowSink, o: Partial<ConstructorParameters<typeof ProvenanceShipper>[0]> = {}) {
  return new ProvenanceShipper({ log, checkpoint: position, sink, batchSize: 2, rotateBytes: 1 << 20, ...o });
}
const ids = (rows: ProvenanceRow[]) => rows.map((r) => r.requestId);

describe('ProvenanceShipper', () => {
  it('ships whole lines in batches and moves its position only past what MySQL took', async () => {
    const f = fakeSink();
    const torn = line('r4');
    appendFileSync(log, line('r1') + line('r2') + line('r3') + torn.slice(0, 10));
    const s = shipper(f.sink);
    await s.ship(true);
    expect(ids(f.rows)).toEqual(['r1', 'r2', 'r3']);
    expect(f.writes).toBe(2); // batches of 2
    const at = JSON.parse(readFileSync(position, 'utf8')) as { offset: number };
    expect(at.offset).toBe(Buffer.byteLength(line('r1') + line('r2') + line('r3')));
    // The rest of the torn line arrives: shipped from where it starts.
    appendFileSync(log, torn.slice(10));
    await s.ship(true);
    expect(ids(f.rows)).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it('keeps rows in the log while MySQL fails, and ships them once it is back', async () => {
    const f = fakeSink();
    appendFileSync(log, line('r1') + line('r2'));
    f.fail = true;
    let t = 1_000_000;
    const s = shipper(f.sink, { now: () => t, retryMs: 100 });
    await s.ship(true);
    expect(f.rows).toEqual([]);
    expect(s.counters.failures).toBe(1);
    expect(existsSync(position)).toBe(false);
    f.fail = false;
    await s.ship(true); // within the backoff: no try
    expect(f.writes).toBe(1);
    t += 100;
    await s.ship(true);
    expect(ids(f.rows)).toEqual(['r1', 'r2']);
  });

  it('resumes from its position after a restart and skips lines that are not rows', async () => {
    const f = fakeSink();
    appendFileSync(log, line('r1') + 'junk\n' + line('r2'));
    await shipper(f.sink).ship(true);
    appendFileSync(log, line('r3'));
    const again = shipper(f.sink);
    await again.ship(true);
    expect(ids(f.rows)).toEqual(['r1', 'r2', 'r3']);
    // A position for another file (the log was replaced): the new file is read whole.
    rmSync(log);
    writeFileSync(log, line('r9') + line('r10') + line('r11') + line('r12'));
    const third = shipper(f.sink);
    await third.ship(true);
    expect(ids(f.rows).slice(3)).toEqual(['r9', 'r10', 'r11', 'r12']);
  });

  it('counts a bad line once and goes on', async () => {
    const f = fakeSink();
    appendFileSync(log, 'junk\n' + line('r1'));
    const s = shipper(f.sink);
    await s.ship(true);
    expect(s.counters.badLines).toBe(1);
    expect(ids(f.rows)).toEqual(['r1']);
  });

  it('rotates a large log, reads what NGINX still writes into the old file, and deletes it once NGINX has reopened', async () => {
    const f = fakeSink();
    let t = 1_000_000;
    const s = shipper(f.sink, { now: () => t, rotateBytes: 100, settleMs: 3000 });
    appendFileSync(log, line('r1') + line('r2'));
    await s.ship(true);
    const [rotated] = rotatedFiles(log);
    expect(rotated).toBe(`${log}.${t}`);
    expect(existsSync(log)).toBe(false);
    // NGINX has not reopened yet: it still appends to the renamed file.
    appendFileSync(rotated, line('r3'));
    t += 5000;
    await s.ship(true);
    expect(ids(f.rows)).toEqual(['r1', 'r2', 'r3']);
    expect(existsSync(rotated)).toBe(true); // no live file yet: NGINX may still write here
    // NGINX reopens: a new live file; the old one is deleted once it has been quiet for settleMs.
    appendFileSync(log, line('r4'));
    t += 1000;
    await s.ship(true);
    expect(existsSync(rotated)).toBe(true); // seen growing 1 s ago
    t += 2000;
    await s.ship(true);
    expect(existsSync(rotated)).toBe(false);
    expect(ids(f.rows)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(s.counters.rotations).toBe(1);
  });

  it('after a crash between a rotation and the delete, deletes the shipped file and goes on', async () => {
    const f = fakeSink();
    appendFileSync(log, line('r1'));
    await shipper(f.sink).ship(true);
    // As if the shipper had rotated and NGINX reopened, then the shipper died and NGINX went on.
    const old = `${log}.1000`;
    renameSync(log, old);
    appendFileSync(old, line('r2'));
    appendFileSync(log, line('r3'));
    let t = 1_000_000;
    const s = shipper(f.sink, { now: () => t, settleMs: 10 });
    await s.ship(true);
    t += 100;
    await s.ship(true);
    expect(ids(f.rows)).toEqual(['r1', 'r2', 'r3']);
    expect(existsSync(old)).toBe(false);
  });

  it('waits while the CPU is saturated, at most maxDeferMs behind', async () => {
    const f = fakeSink();
    let t = 1_000_000;
    const pressure = { busy: true, underPressure: () => pressure.busy };
    const s = shipper(f.sink, { now: () => t, pressure, maxDeferMs: 5000 });
    appendFileSync(log, line('r1'));
    await s.ship();
    expect(f.rows).toEqual([]);
    t += 5000;
    await s.ship();
    expect(ids(f.rows)).toEqual(['r1']);
    appendFileSync(log, line('r2'));
    await s.ship(); // caught up just now: waits again
    expect(ids(f.rows)).toEqual(['r1']);
    pressure.busy = false;
    await s.ship();
    expect(ids(f.rows)).toEqual(['r1', 'r2']);
  });
});
