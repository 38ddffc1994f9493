// Streaming a text file line by line, so its size is not bounded by the string length limit.
import { createReadStream } from 'node:fs';

/** Calls `handle` with each line (without its '\n'; a '\r' before it is left to the caller). */
export async function forEachLine(path: string, handle: (line: string) => void): Promise<void> {
  let carry = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      handle(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  // A last line without a newline is still a line; a trailing newline does not add one.
  if (carry.length > 0) handle(carry);
}
