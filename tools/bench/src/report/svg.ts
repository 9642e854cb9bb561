/**
 * Hand-written SVG charts from the benchmarks' own data (no browser, no dependency): strips of
 * delay samples per system, figures against scale, and grouped bars.
 */
import type { BarChart, Chart, DistributionChart, ScaleChart } from '../lib/results.ts';
import { percentile } from '../lib/stats.ts';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const num = (value: number): string => {
  const abs = Math.abs(value);
  if (abs !== 0 && abs < 0.01) return value.toExponential(1);
  if (abs < 10) return String(Number(value.toFixed(2)));
  if (abs < 1000) return String(Math.round(value));
  return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
};

/** Round axis ticks covering [min, max]. */
function ticks(min: number, max: number, count = 5): number[] {
  if (max <= min) max = min + 1;
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 1e-9; t += step) out.push(t);
  if (out[out.length - 1]! < max) out.push(out[out.length - 1]! + step);
  return out.map((t) => Number(t.toPrecision(12)));
}

const text = (x: number, y: number, content: string, attrs = ''): string =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`;

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(width / 2, 22, title, 'text-anchor="middle" font-size="15" font-weight="600"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** A deterministic jitter, so the same data gives the same file. */
const jitter = (i: number): number => (((i * 2654435761) % 1000) / 1000 - 0.5) * 0.6;

function distribution(chart: DistributionChart): string {
  const left = 230;
  const right = 40;
  const width = 860;
  const rowHeight = 60;
  const top = 44;
  const plotWidth = width - left - right;
  const all = chart.series.flatMap((s) => s.values);
  const t = ticks(Math.min(0, ...all), Math.max(...all, 1));
  const lo = t[0]!;
  const hi = t[t.length - 1]!;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * plotWidth;
  const height = top + rowHeight * chart.series.length + 50;
  const body: string[] = [];
  const bottom = top + rowHeight * chart.series.length;
  for (const tick of t) {
    body.push(
      `<line x1="${x(tick).toFixed(1)}" y1="${top}" x2="${x(tick).toFixed(1)}" y2="${bottom}" stroke="#e5e5e5"/>`,
      text(x(tick), bottom + 16, num(tick), 'text-anchor="middle" fill="#444"'),
    );
  }
  body.push(
    text(left + plotWidth / 2, bottom + 36, chart.unit, 'text-anchor="middle" fill="#444"'),
  );
  chart.series.forEach((series, row) => {
    const color = COLORS[row % COLORS.length]!;
    const mid = top + rowHeight * row + rowHeight / 2;
    body.push(text(left - 10, mid - 4, series.label, 'text-anchor="end" font-weight="600"'));
    const p50 = percentile(series.values, 50);
    const p99 = percentile(series.values, 99);
    body.push(
      text(
        left - 10,
        mid + 12,
        `p50 ${num(p50)}, p99 ${num(p99)} (n=${series.values.length})`,
        'text-anchor="end" fill="#555" font-size="11"',
      ),
    );
    series.values.forEach((v, i) => {
      body.push(
        `<circle cx="${x(v).toFixed(1)}" cy="${(mid + jitter(i) * rowHeight * 0.6).toFixed(1)}" r="2.6" fill="${color}" fill-opacity="0.45"/>`,
      );
    });
    // p50 labelled above the strip, p99 below, so that close values stay readable.
    for (const [value, label, y] of [
      [p50, 'p50', mid - rowHeight * 0.42],
      [p99, 'p99', mid + rowHeight * 0.42 + 9],
    ] as const) {
      body.push(
        `<line x1="${x(value).toFixed(1)}" y1="${mid - rowHeight * 0.36}" x2="${x(value).toFixed(1)}" y2="${mid + rowHeight * 0.36}" stroke="${color}" stroke-width="2"/>`,
        text(x(value), y, label, `text-anchor="middle" fill="${color}" font-size="10"`),
      );
    }
  });
  return frame(width, height, chart.title, body);
}

function scale(chart: ScaleChart): string {
  const left = 80;
  const right = 200;
  const top = 44;
  const width = 760;
  const height = 360;
  const bottom = height - 54;
  const xs = chart.series.flatMap((s) => s.points.map(([px]) => px));
  const ys = chart.series.flatMap((s) => s.points.map(([, py]) => py));
  const logX = Math.max(...xs) / Math.max(Math.min(...xs), 1e-9) >= 8;
  const xt = logX
    ? (() => {
        const out: number[] = [];
        const from = Math.floor(Math.log10(Math.min(...xs)));
        const to = Math.ceil(Math.log10(Math.max(...xs)));
        for (let e = from; e <= to; e += 1) out.push(10 ** e);
        return out;
      })()
    : ticks(Math.min(...xs), Math.max(...xs));
  const yt = ticks(0, Math.max(...ys, 1e-9));
  const fx = (v: number) =>
    logX
      ? (Math.log10(v) - Math.log10(xt[0]!)) / (Math.log10(xt[xt.length - 1]!) - Math.log10(xt[0]!))
      : (v - xt[0]!) / (xt[xt.length - 1]! - xt[0]!);
  const x = (v: number) => left + fx(v) * (width - left - right);
  const y = (v: number) => bottom - (v / yt[yt.length - 1]!) * (bottom - top);
  const body: string[] = [];
  for (const tick of yt) {
    body.push(
      `<line x1="${left}" y1="${y(tick).toFixed(1)}" x2="${width - right}" y2="${y(tick).toFixed(1)}" stroke="#e5e5e5"/>`,
      text(left - 8, y(tick) + 4, num(tick), 'text-anchor="end" fill="#444"'),
    );
  }
  for (const tick of xt) {
    body.push(text(x(tick), bottom + 16, num(tick), 'text-anchor="middle" fill="#444"'));
  }
  body.push(
    text(
      (left + width - right) / 2,
      bottom + 36,
      `${chart.xLabel}${logX ? ' (log scale)' : ''}`,
      'text-anchor="middle" fill="#444"',
    ),
    text(
      18,
      (top + bottom) / 2,
      chart.yLabel,
      `text-anchor="middle" fill="#444" transform="rotate(-90 18 ${(top + bottom) / 2})"`,
    ),
    `<line x1="${left}" y1="${bottom}" x2="${width - right}" y2="${bottom}" stroke="#999"/>`,
  );
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const points = series.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`);
    body.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    for (const [px, py] of series.points) {
      body.push(
        `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="4" fill="${color}"/>`,
        text(x(px) + 6, y(py) - 6, num(py), `fill="${color}" font-size="11"`),
      );
    }
    body.push(
      `<rect x="${width - right + 16}" y="${top + i * 20}" width="12" height="12" fill="${color}"/>`,
      text(width - right + 34, top + i * 20 + 10, series.label),
    );
  });
  return frame(width, height, chart.title, body);
}

function bars(chart: BarChart): string {
  const panelWidth = 250;
  const width = panelWidth * chart.groups.length + 20;
  const height = 320;
  const top = 60;
  const bottom = height - 70;
  const body: string[] = [];
  chart.groups.forEach((group, g) => {
    const x0 = 10 + g * panelWidth;
    const max = Math.max(...group.bars.map((b) => b.value), 1e-9);
    const yt = ticks(0, max, 4);
    const y = (v: number) => bottom - (v / yt[yt.length - 1]!) * (bottom - top);
    body.push(
      text(
        x0 + panelWidth / 2,
        top - 16,
        `${group.label} (${group.unit})`,
        'text-anchor="middle" font-weight="600"',
      ),
    );
    for (const tick of yt) {
      body.push(
        `<line x1="${x0 + 40}" y1="${y(tick).toFixed(1)}" x2="${x0 + panelWidth - 10}" y2="${y(tick).toFixed(1)}" stroke="#eeeeee"/>`,
        text(x0 + 36, y(tick) + 4, num(tick), 'text-anchor="end" fill="#666" font-size="10"'),
      );
    }
    const slot = (panelWidth - 60) / group.bars.length;
    group.bars.forEach((bar, i) => {
      const color = COLORS[i % COLORS.length]!;
      const bx = x0 + 45 + i * slot + slot * 0.15;
      const bw = slot * 0.7;
      body.push(
        `<rect x="${bx.toFixed(1)}" y="${y(bar.value).toFixed(1)}" width="${bw.toFixed(1)}" height="${(bottom - y(bar.value)).toFixed(1)}" fill="${color}"/>`,
        text(bx + bw / 2, y(bar.value) - 4, num(bar.value), 'text-anchor="middle" font-size="10"'),
        text(
          bx + bw / 2,
          bottom + 14,
          bar.label,
          `text-anchor="end" font-size="11" transform="rotate(-30 ${(bx + bw / 2).toFixed(1)} ${bottom + 14})"`,
        ),
      );
    });
  });
  return frame(width, height, chart.title, body);
}

export function renderChart(chart: Chart): string {
  switch (chart.kind) {
    case 'distribution':
      return distribution(chart);
    case 'scale':
      return scale(chart);
    case 'bars':
      return bars(chart);
  }
}
