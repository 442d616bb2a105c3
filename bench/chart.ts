/*
 * A hand-written SVG chart of cdk-app-secrets-vs-alternative ratios (bench/chart.svg). No chart
 * library: a few rects.
 */
import { CONCURRENT_READS, WARM_READS } from './runtime';
import type { Measurements } from './targets';

interface Bar {
  readonly label: string;
  /** > 1: cdk-app-secrets does better (faster, fewer requests, smaller). */
  readonly ratio: number;
}

/** Ratios where cdk-app-secrets is compared with its alternative, > 1 meaning it does better. */
export function chartBars(m: Measurements): Bar[] {
  const bars: Bar[] = [];
  const rt = m.runtime;
  const cs = m.coldStart;
  if (cs) {
    bars.push({ label: 'Cold start with the extension vs Powertools', ratio: cs.powertools.sumMs / cs['appsecret-ext'].sumMs });
    bars.push({ label: 'Cold start over the SDK vs Powertools', ratio: cs.powertools.sumMs / cs.appsecret.sumMs });
  }
  if (m.bundles) bars.push({ label: 'Handler bundle size vs Powertools', ratio: m.bundles.handlers.powertools.bytes / m.bundles.handlers.appsecret.bytes });
  if (rt) {
    for (const w of WARM_READS.filter((x) => x.versus)) {
      bars.push({ label: `Warm ${w.code} vs Powertools`, ratio: rt.warm[w.versus!].nsPerCall! / rt.warm[w.key].nsPerCall! });
    }
    bars.push({ label: 'Cold fetch of 20: wall time vs Powertools', ratio: rt.cold[20].powertools.wallMs! / rt.cold[20].appsecret.wallMs! });
    bars.push({ label: 'Cold fetch of 20: requests vs Powertools', ratio: rt.cold[20].powertools.totalRequests / rt.cold[20].appsecret.totalRequests });
    bars.push({ label: `${CONCURRENT_READS} concurrent reads: requests vs Powertools`, ratio: rt.concurrent.powertools.totalRequests / rt.concurrent.appsecret.totalRequests });
  }
  const ref = m.construct.find((c) => c.input.secrets === 100 && c.input.functions === 10 && c.output.appsecret.analysis && c.output.hand.analysis);
  if (ref) {
    bars.push({ label: `Synth time vs hand-written (${ref.input.secrets} secrets × ${ref.input.functions} fn)`, ratio: ref.output.hand.medianMs / ref.output.appsecret.medianMs });
    bars.push({ label: 'Template size vs hand-written (same case)', ratio: ref.output.hand.analysis!.templateBytes / ref.output.appsecret.analysis!.templateBytes });
  }
  return bars;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars on a log scale around 1x: green to the right when cdk-app-secrets does better, red to the left when worse. */
export function renderSvg(bars: Bar[]): string {
  const labelW = 400;
  const plotW = 420;
  const rowH = 26;
  const top = 40;
  const height = top + bars.length * rowH + 30;
  const minLog = -3; // 1/8x
  const maxLog = 7; // 128x
  const x = (r: number) => Math.round((labelW + ((Math.min(maxLog, Math.max(minLog, Math.log2(r))) - minLog) / (maxLog - minLog)) * plotW) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="white"/>',
    '<text x="10" y="20" font-size="14" font-weight="bold">cdk-app-secrets vs alternatives (log scale; &gt; 1x = cdk-app-secrets better)</text>',
  ];
  for (let e = minLog; e <= maxLog; e++) {
    const gx = x(2 ** e);
    parts.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 24}" stroke="${e === 0 ? '#333' : '#ddd'}"/>`);
    parts.push(`<text x="${gx}" y="${height - 10}" text-anchor="middle" fill="#555">${e < 0 ? `1/${2 ** -e}` : 2 ** e}x</text>`);
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowH;
    const x1 = x(1);
    const x2 = x(bar.ratio);
    const good = bar.ratio >= 1;
    parts.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(bar.label)}</text>`);
    parts.push(`<rect x="${Math.min(x1, x2)}" y="${y + 3}" width="${Math.max(1, Math.abs(x2 - x1))}" height="${rowH - 8}" fill="${good ? '#2e8b57' : '#c0392b'}"/>`);
    parts.push(`<text x="${good ? x2 + 4 : x1 + 4}" y="${y + 15}">${bar.ratio >= 1 ? bar.ratio.toFixed(1) : bar.ratio.toFixed(2)}x</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
