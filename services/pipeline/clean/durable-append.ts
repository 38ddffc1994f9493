// Appends text to a file and fsyncs it before returning, so a caller may acknowledge what it wrote.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function appendDurably(path: string, text: string): void {
  if (text === '') return;
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
