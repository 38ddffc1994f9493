// Reads the course-sample Kafka dumps (kafka-python ConsumerRecord tuples written as CSV), e.g.
//   movielog5,1,863752879,1666945403392,0,,"b'2022-10-28T04:23:23,579130,GET /data/m/inception+2010/115.mpg'",[],,-1,61,-1
// and returns the log line inside the `b'...'` bytes literal.

/** The log line of one dump record, or null when the record has no `b'...'` value. */
export function logLineFromDumpRecord(record: string): string | null {
  const open = record.indexOf(`"b'`);
  if (open === -1) return null;
  const close = record.indexOf(`'"`, open + 3);
  if (close === -1) return null;
  return unescapePythonBytes(record.slice(open + 3, close));
}

/** Undoes Python's bytes repr escapes (\\ \' \n \r \t \xHH), decoding the bytes as UTF-8. */
export function unescapePythonBytes(body: string): string {
  if (body.indexOf('\\') === -1) return body;
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\' || i + 1 >= body.length) {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      continue;
    }
    const next = body[++i];
    if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (next === 'n') bytes.push(10);
    else if (next === 'r') bytes.push(13);
    else if (next === 't') bytes.push(9);
    else for (const b of Buffer.from(next, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Log lines of a whole dump file's text (records without a value are skipped). */
export function logLinesFromDump(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map(logLineFromDumpRecord)
    .filter((l): l is string => l !== null);
}
