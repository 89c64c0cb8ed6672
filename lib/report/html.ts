// One self-contained HTML page from the series summaries (summary.ts): Chart.js inlined (no network when the
// file is opened), the numbers inlined as JSON, one chart per view. The page records on <body> how many charts
// it made and drew and how many script errors it met (data-charts, data-drawn, data-errors): the report's test
// reads them from headless Chromium (script errors, rejected promises and console.error calls count).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { histograms, type SeriesSummary } from './summary';

function chartJs(): string {
  // (the package's exports name no UMD file: it is beside the CommonJS entry, in dist/)
  return readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

/** JSON safe inside <script>: no `</script>`, no HTML comment openers, no line separators JS strings reject. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The held-out gaps of every series on one axis: the lines' ids in first-seen order, null where a series lacks one. */
function heldOutAligned(series: SeriesSummary[]): { heldOutIds: string[]; heldOut: Array<Array<number | null>> } {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const s of series) for (const h of s.heldOut) if (!seen.has(h.id)) { seen.add(h.id); ids.push(h.id); }
  return {
    heldOutIds: ids,
    heldOut: series.map((s) => {
      const by = new Map(s.heldOut.map((h) => [h.id, h.gap]));
      return ids.map((id) => by.get(id) ?? null);
    }),
  };
}

const fixed = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export function reportHtml(series: SeriesSummary[], title = 'verpo report'): string {
  const rewardH = histograms(series.map((s) => s.rewards));
  const advantageH = histograms(series.map((s) => s.advantages));
  const data = {
    names: series.map((s) => s.name),
    rewards: rewardH,
    advantages: advantageH,
    verdicts: series.map((s) => s.verdicts),
    weights: series.map((s) => s.weightPoints.map((p) => ({ x: p.passRate, y: p.weight }))),
    lint: series.map((s) => s.lint),
    ...heldOutAligned(series),
  };
  const rows = series.map((s) => `<tr><td>${escapeHtml(s.name)}</td><td>${s.lines}</td><td>${s.errorLines}</td><td>${s.rows}</td>` +
    `<td>${fixed(s.meanReward)}</td><td>${fixed(100 * s.zeroAdvantageShare, 1)}%</td>` +
    `<td>${s.lint.meanScore === null ? '—' : fixed(s.lint.meanScore)}</td><td>${s.heldOut.length}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
  h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
  td:first-child, th:first-child { text-align: left; }
  .chart { max-width: 960px; height: 320px; } .note { color: #666; font-style: italic; }
</style>
</head>
<body data-charts="0" data-drawn="0" data-errors="0">
<h1>${escapeHtml(title)}</h1>
<table>
<tr><th>series</th><th>lines</th><th>error lines</th><th>rows</th><th>mean reward</th><th>zero advantage</th><th>mean style score</th><th>lines with hidden tests</th></tr>
${rows}
</table>
<div id="views"></div>
<script>
(function () {
  function count() { document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1); }
  window.addEventListener('error', count);
  window.addEventListener('unhandledrejection', count);
  var logError = console.error;
  console.error = function () { count(); return logError.apply(console, arguments); };
})();
</script>
<script>${chartJs()}</script>
<script>
(function () {
  var data = ${scriptJson(data)};
  var colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
  var views = document.getElementById('views');
  var charts = [];
  Chart.defaults.animation = false;
  function section(title, note) {
    var h = document.createElement('h2');
    h.textContent = title;
    views.appendChild(h);
    if (note) {
      var p = document.createElement('p');
      p.className = 'note';
      p.textContent = note;
      views.appendChild(p);
    }
  }
  function chart(title, config, emptyNote) {
    if (config === null) { section(title, emptyNote); return; }
    section(title);
    var box = document.createElement('div');
    box.className = 'chart';
    var canvas = document.createElement('canvas');
    box.appendChild(canvas);
    views.appendChild(box);
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
    charts.push(new Chart(canvas, config));
  }
  function color(i) { return colors[i % colors.length]; }
  function histogramChart(title, hs, what) {
    var edges = null;
    hs.forEach(function (h) { if (h.edges.length) edges = h.edges; });
    if (edges === null) return chart(title, null, 'no ' + what + ' in these files');
    var labels = [];
    for (var i = 0; i + 1 < edges.length; i++) labels.push(edges[i].toFixed(2) + '…' + edges[i + 1].toFixed(2));
    chart(title, { type: 'bar', data: { labels: labels, datasets: hs.map(function (h, k) {
      return { label: data.names[k], data: h.counts, backgroundColor: color(k) };
    }) }, options: { scales: { x: { title: { display: true, text: what } }, y: { title: { display: true, text: 'rows' } } } } });
  }
  histogramChart('Reward distribution', data.rewards, 'reward');
  histogramChart('Advantage distribution', data.advantages, 'advantage');
  var verdictNames = [];
  data.verdicts.forEach(function (v) { Object.keys(v).forEach(function (k) { if (verdictNames.indexOf(k) < 0) verdictNames.push(k); }); });
  verdictNames.sort();
  chart('Verdicts', verdictNames.length ? { type: 'bar', data: { labels: verdictNames, datasets: data.verdicts.map(function (v, k) {
    return { label: data.names[k], data: verdictNames.map(function (n) { return v[n] || 0; }), backgroundColor: color(k) };
  }) }, options: { scales: { y: { title: { display: true, text: 'cells' } } } } } : null, 'no verdicts in these files');
  var anyWeights = data.weights.some(function (w) { return w.length > 0; });
  chart('Test weight against pass rate (one point per test)', anyWeights ? { type: 'scatter', data: { datasets: data.weights.map(function (w, k) {
    return { label: data.names[k], data: w, backgroundColor: color(k), pointRadius: 3 };
  }) }, options: { scales: { x: { min: 0, max: 1, title: { display: true, text: 'pass rate over the group' } },
    y: { title: { display: true, text: 'weight' } } } } } : null, 'no test weights in these files (the binary scheme gives none)');
  var anyLint = data.lint.some(function (l) { return l.rows > 0; });
  var severities = ['error', 'warning', 'style'];
  chart('Lint profile: violations by severity', anyLint ? { type: 'bar', data: { labels: severities, datasets: data.lint.map(function (l, k) {
    return { label: data.names[k], data: severities.map(function (s) { return l.bySeverity[s] || 0; }), backgroundColor: color(k) };
  }) } } : null, 'no lint results in these files (score with --lint)');
  var codeNames = [];
  data.lint.forEach(function (l) { l.topCodes.forEach(function (c) { if (codeNames.indexOf(c[0]) < 0) codeNames.push(c[0]); }); });
  chart('Lint profile: most frequent rules', codeNames.length ? { type: 'bar', data: { labels: codeNames, datasets: data.lint.map(function (l, k) {
    var m = {}; l.topCodes.forEach(function (c) { m[c[0]] = c[1]; });
    return { label: data.names[k], data: codeNames.map(function (c) { return m[c] || 0; }), backgroundColor: color(k) };
  }) }, options: { indexAxis: 'y' } } : null, 'no lint violations in these files');
  chart('Held-out gap per line (visible − hidden pass rate)', data.heldOutIds.length ? { type: 'bar', data: {
    labels: data.heldOutIds,
    datasets: data.heldOut.map(function (h, k) { return { label: data.names[k], data: h, backgroundColor: color(k) }; })
  }, options: { scales: { y: { min: -1, max: 1, title: { display: true, text: 'gap' } } } } } : null, 'no lines with hidden tests in these files');
  var drawn = 0;
  charts.forEach(function (c) { if (c.canvas.width > 0 && c.canvas.toDataURL('image/png').length > 2000) drawn++; });
  document.body.dataset.charts = String(charts.length);
  document.body.dataset.drawn = String(drawn);
})();
</script>
</body>
</html>
`;
}
