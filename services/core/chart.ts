// Dependency-free SVG charts for reports people read (benchmarks, canary analysis).
export interface Bar {
  label: string;
  value: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bar chart; `unit` is appended to each value label. */
export function barChartSvg(title: string, bars: Bar[], unit = ''): string {
  const width = 720;
  const row = 28;
  const left = 260;
  const top = 40;
  const height = top + bars.length * row + 20;
  const max = Math.max(1e-12, ...bars.map((b) => b.value));
  const rows = bars
    .map((b, i) => {
      const y = top + i * row;
      const w = Math.max(1, ((width - left - 120) * b.value) / max);
      return (
        `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(b.label)}</text>` +
        `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="${row - 8}" fill="#4a7bd0"/>` +
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 17}">${esc(fmt(b.value))}${esc(unit)}</text>`
      );
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>
${rows}
</svg>
`;
}

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

/** Line chart of one or more series over a shared x axis (e.g. time in seconds). */
export function lineChartSvg(title: string, series: Series[], xLabel: string, yLabel: string): string {
  const width = 720;
  const height = 360;
  const pad = { l: 70, r: 20, t: 40, b: 50 };
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(x0 + 1e-9, ...xs);
  const y1 = Math.max(1e-9, ...ys) * 1.1;
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y: number) => height - pad.b - (y / y1) * (height - pad.t - pad.b);
  const colours = ['#4a7bd0', '#d0574a', '#3a9d5d', '#9b59b6', '#e6a23c'];
  const lines = series
    .map((s, i) => {
      const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
      const c = colours[i % colours.length];
      return `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>` +
        `<text x="${width - pad.r - 150}" y="${pad.t + 16 * i}" fill="${c}">${esc(s.name)}</text>`;
    })
    .join('\n');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<text x="${pad.l - 6}" y="${sy(f * y1) + 4}" text-anchor="end">${esc(fmt(f * y1))}</text>` +
      `<line x1="${pad.l}" x2="${width - pad.r}" y1="${sy(f * y1)}" y2="${sy(f * y1)}" stroke="#ddd"/>`)
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>
${ticks}
<text x="${width / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>
<text x="16" y="${height / 2}" transform="rotate(-90 16 ${height / 2})" text-anchor="middle">${esc(yLabel)}</text>
${lines}
</svg>
`;
}

export interface BarSeries {
  name: string;
  /** One value per category. */
  values: number[];
  /** Optional error bars (e.g. a confidence interval), one [lower, upper] per category. */
  intervals?: Array<[number, number] | null>;
}

/** Vertical bars, one group per category and one bar per series in it, with optional error bars. */
export function groupedBarChartSvg(title: string, categories: string[], series: BarSeries[], yLabel: string): string {
  const width = 720;
  const height = 360;
  const pad = { l: 70, r: 20, t: 50, b: 70 };
  const colours = ['#d0574a', '#4a7bd0', '#3a9d5d', '#9b59b6'];
  const tops = series.flatMap((s) => s.values.map((v, i) => Math.max(v, s.intervals?.[i]?.[1] ?? v)));
  const y1 = Math.max(1e-9, ...tops) * 1.1;
  const group = (width - pad.l - pad.r) / Math.max(1, categories.length);
  const bar = (group * 0.8) / Math.max(1, series.length);
  const sy = (y: number) => height - pad.b - (y / y1) * (height - pad.t - pad.b);
  const bars = series
    .flatMap((s, k) =>
      s.values.map((v, i) => {
        const x = pad.l + i * group + group * 0.1 + k * bar;
        const ci = s.intervals?.[i];
        const whisker = ci
          ? `<line x1="${(x + bar / 2).toFixed(1)}" x2="${(x + bar / 2).toFixed(1)}" y1="${sy(ci[0]).toFixed(1)}" y2="${sy(ci[1]).toFixed(1)}" stroke="black"/>`
          : '';
        return `<rect x="${x.toFixed(1)}" y="${sy(v).toFixed(1)}" width="${Math.max(1, bar - 1).toFixed(1)}" height="${(height - pad.b - sy(v)).toFixed(1)}" fill="${colours[k % colours.length]}"/>${whisker}`;
      }),
    )
    .join('\n');
  const labels = categories
    .map((c, i) => `<text x="${(pad.l + (i + 0.5) * group).toFixed(1)}" y="${height - pad.b + 16}" text-anchor="middle" font-size="10">${esc(c)}</text>`)
    .join('\n');
  const legend = series.map((s, k) => `<text x="${pad.l + 160 * k}" y="${pad.t - 12}" fill="${colours[k % colours.length]}">${esc(s.name)}</text>`).join('\n');
  const ticks = [0, 0.5, 1].map((f) => `<text x="${pad.l - 6}" y="${sy(f * y1) + 4}" text-anchor="end">${esc(fmt(f * y1))}</text>`).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>
${legend}
${ticks}
<text x="16" y="${height / 2}" transform="rotate(-90 16 ${height / 2})" text-anchor="middle">${esc(yLabel)}</text>
${bars}
${labels}
</svg>
`;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}
