// What people are told about a release (email and Slack via the pipeline's notifier): one
// message per outcome, with the measured figures. Pure: state in, message out.
import { formatDuration } from './duration.ts';
import { fmtMs, fmtRate } from './report.ts';
import type { Notification } from '../core/notify/index.ts';
import type { ReleaseState } from './state.ts';

export type ReleaseMessage = Notification & { fields: Record<string, string> };

/** Where the controller sends its messages: in the CLI, every configured channel of the
 * pipeline's notifiers (email, Slack) via notifyAll. */
export interface ReleaseNotifier {
  notify(message: Notification): Promise<unknown>;
}

function figures(s: ReleaseState): Record<string, string> {
  const d = s.decision;
  const out: Record<string, string> = {
    release: s.id,
    candidate: s.version,
    stable: s.stableVersion,
    window: formatDuration(s.windowMs),
  };
  if (d?.canary) {
    out['canary avg latency'] = fmtMs(d.canary.avgLatencyMs);
    out['canary error rate'] = fmtRate(d.canary.errorRate);
    out['canary requests'] = String(Math.round(d.canary.requests));
  }
  if (d?.stable) out['stable avg latency'] = fmtMs(d.stable.avgLatencyMs);
  const r = s.rollout;
  if (r) {
    out.steps = `${r.plan.steps.join(' → ')} %`;
    out.step = r.stepIndex < r.plan.steps.length ? `${r.stepIndex + 1} (${r.plan.steps[r.stepIndex]} %)` : 'all done';
    out.intervals = String(r.intervals.length);
  }
  if (s.reportDir) out.report = s.reportDir;
  return out;
}

export function outcomeMessage(s: ReleaseState): ReleaseMessage {
  const d = s.decision;
  const reasons = d?.reasons.length ? d.reasons.map((r) => `- ${r}`).join('\n') : '- (no reasons recorded)';
  const by = d?.by === 'operator' ? ' by an operator' : '';
  if (s.outcome === 'promoted') {
    return {
      subject: `[marquee] release ${s.version} promoted`,
      text: `Model ${s.version} passed its canary${by} and now serves on every stable (was ${s.stableVersion}).\n${reasons}`,
      level: 'success',
      fields: figures(s),
    };
  }
  return {
    subject: `[marquee] release ${s.version} aborted (${d?.verdict ?? 'aborted'})`,
    text: `Model ${s.version} was rolled back${by}; the canary serves ${s.stableVersion} again.\n${reasons}`,
    level: 'failure',
    fields: figures(s),
  };
}

export function failureMessage(s: ReleaseState, phase: string, error: string): ReleaseMessage {
  return {
    subject: `[marquee] release ${s.version} FAILED while ${phase}`,
    text:
      `The release of model ${s.version} stopped: ${error}\n` +
      `Its state is kept; run \`npm run release -- --resume\` to retry or \`npm run release -- --abort\` to roll back.`,
    level: 'failure',
    fields: { ...figures(s), phase, error },
  };
}

/** A stepped release waits for an operator: its analysis could not decide (too little data, no canary traffic). */
export function pausedMessage(s: ReleaseState): ReleaseMessage {
  return {
    subject: `[marquee] release ${s.version} PAUSED`,
    text:
      `The release of model ${s.version} is paused; its canary and baseline keep their traffic.\n` +
      `${s.decision?.reasons.map((r) => `- ${r}`).join('\n') ?? ''}\n` +
      'Decide with `npm run release -- --resume` (analyse further), `--promote` or `--abort`.',
    level: 'failure',
    fields: figures(s),
  };
}

/** A release refused before it started (the model failed its check): the stables were not touched. */
export function refusedMessage(version: string, reason: string): ReleaseMessage {
  return {
    subject: `[marquee] release ${version} REFUSED`,
    text: `The release of model ${version} was refused before anything changed; every replica keeps serving what it served.\n- ${reason}`,
    level: 'failure',
    fields: { candidate: version, error: reason },
  };
}
