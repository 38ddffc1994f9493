// Appends whole lines to a file and fsyncs them before returning, so a caller may acknowledge what
// it wrote. A process killed mid-append can leave a torn last line (Linux stops a buffered write at
// a page boundary when a fatal signal arrives); that line was never acknowledged, so its batch is
// replayed, and the next append first cuts the torn tail off: the file holds whole lines only.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/** Length of the file up to and including its last newline (0 when it has none). */
function wholeLinesLength(fd: number, size: number): number {
  const buf = Buffer.alloc(CHUNK);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - CHUNK);
    const n = readSync(fd, buf, 0, end - start, start);
    const at = buf.subarray(0, n).lastIndexOf(NEWLINE);
    if (at !== -1) return start + at + 1;
    end = start;
  }
  return 0;
}

export function appendDurably(path: string, text: string): void {
  if (text === '') return;
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a+');
  try {
    const { size } = fstatSync(fd);
    const last = Buffer.alloc(1);
    if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== NEWLINE) {
      ftruncateSync(fd, wholeLinesLength(fd, size));
    }
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
