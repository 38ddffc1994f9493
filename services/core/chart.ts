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

function fmt(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}
