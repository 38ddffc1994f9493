import { describe, expect, it } from 'vitest';
import { barChartSvg, lineChartSvg } from '../chart.ts';

describe('charts', () => {
  it('draws one bar per value, scaled to the largest, with escaped labels', () => {
    const svg = barChartSvg('req/s', [{ label: 'express <fixed>', value: 100 }, { label: 'marquee', value: 50 }], ' req/s');
    const widths = [...svg.matchAll(/<rect x="260" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0] / widths[1]).toBeCloseTo(2, 5);
    expect(svg).toContain('express &lt;fixed&gt;');
    expect(svg).toContain('50.00 req/s');
  });

  it('draws a path per series', () => {
    const svg = lineChartSvg('latency', [{ name: 'canary', points: [[0, 1], [10, 2]] }, { name: 'stable', points: [[0, 1]] }], 's', 'ms');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('canary');
  });
});
