// Optional `recommendations.csv` for online evaluation: one row per logged recommendation request,
// `at,user_id,status,latency_ms,results` with the result ids separated by spaces (ids hold none).
// At-least-once: a batch replayed after a crash appends its rows again (identical rows).
import { existsSync, statSync } from 'node:fs';
import type { RecommendationEvent } from '../parse/types.ts';
import { appendDurably } from './durable-append.ts';

export const RECOMMENDATIONS_HEADER = 'at,user_id,status,latency_ms,results';

export function formatRecommendationRows(events: ReadonlyArray<RecommendationEvent>): string {
  let out = '';
  for (const e of events) out += `${e.at},${e.user},${e.status},${e.latencyMs},${e.results ? e.results.join(' ') : ''}\n`;
  return out;
}

export function appendRecommendations(path: string, events: ReadonlyArray<RecommendationEvent>): void {
  if (events.length === 0) return;
  const fresh = !existsSync(path) || statSync(path).size === 0;
  appendDurably(path, (fresh ? `${RECOMMENDATIONS_HEADER}\n` : '') + formatRecommendationRows(events));
}
