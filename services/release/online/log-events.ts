// Served lists and watches from course log lines, through the pipeline's parser. Log times carry
// no zone and are read as UTC, like everywhere else in the pipeline (run/watches.ts#loggedTimeMs):
// the stack logs in UTC, so they line up with reccom's UTC served_at.
import { parseLine } from '../../pipeline/parse/line.ts';
import { DEFAULT_PARSE_OPTIONS, type ParseOptions } from '../../pipeline/parse/types.ts';
import { loggedTimeMs } from '../../pipeline/run/watches.ts';
import type { ServedList, Watch } from './types.ts';

export interface LogEventsOptions {
  parse?: ParseOptions;
  /**
   * The group of a `recommendation request` line from its `host:port` (a track or version), or
   * null to leave the line out; default the `host:port` itself.
   */
  groupOf?: (server: string) => string | null;
}

/** Watches and the successful answers (status 200) of `lines`; other and bad lines are skipped. */
export function eventsFromLogLines(lines: Iterable<string>, opts: LogEventsOptions = {}): { served: ServedList[]; watches: Watch[] } {
  const parse = opts.parse ?? DEFAULT_PARSE_OPTIONS;
  const groupOf = opts.groupOf ?? ((server: string) => server);
  const served: ServedList[] = [];
  const watches: Watch[] = [];
  for (const line of lines) {
    const e = parseLine(line, parse);
    if (e.kind === 'watch') watches.push({ userId: e.user, movieId: e.movie, at: loggedTimeMs(e.at) });
    else if (e.kind === 'recommendation' && e.status === 200 && e.results) {
      const group = groupOf(e.server);
      if (group !== null) served.push({ userId: e.user, servedAt: loggedTimeMs(e.at), group, ids: e.results });
    }
  }
  return { served, watches };
}
