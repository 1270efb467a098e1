#!/usr/bin/env node
// Summarizes bench/compare.sh's JSON lines (the shared load generator's, labelled "row|commit|run")
// as a markdown table: median [min-max] per row and commit, and B / A on the medians.
//
//   node bench/compare-summary.js results.jsonl <commitA> <commitB> [noisyCpuS]
//
// A run whose machine.other_cpu_s (CPU used by other processes during it) exceeds noisyCpuS
// (default 1.0) is reported as noisy and left out of the medians, unless every run of that row
// and commit is noisy (then all are used, and the cell says so).
'use strict';
const fs = require('fs');
const [file, A, B, noisyArg] = process.argv.slice(2);
const noisy = Number(noisyArg || '1.0');
const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));

const metrics = [
  ['full', 'server CPU per delivery, full speed (µs)', (r) => r.cpu?.server_cpu_us_per_delivery],
  ['full', 'deliveries/s, full speed', (r) => r.delivery?.deliveries_per_s],
  ['full', 'p99 publish -> receive, full speed (ms)', (r) => r.delivery?.latency_ms?.p99],
  ['r100', 'server CPU per delivery, 100 msg/s (µs)', (r) => r.cpu?.server_cpu_us_per_delivery],
  ['r20', 'server CPU per delivery, 20 msg/s (µs)', (r) => r.cpu?.server_cpu_us_per_delivery],
  ['r100', 'p99 publish -> receive, 100 msg/s (ms)', (r) => r.delivery?.latency_ms?.p99],
  ['r20', 'p99 publish -> receive, 20 msg/s (ms)', (r) => r.delivery?.latency_ms?.p99],
  ['idle', 'RSS per idle connection, 10k connected, no forced GC (KB)', (r) => r.server?.kb_per_conn],
  ['tomcat', 'stock Tomcat: server CPU per delivery, full speed (µs)', (r) => r.cpu?.server_cpu_us_per_delivery],
  ['tomcat', 'stock Tomcat: deliveries/s, full speed', (r) => r.delivery?.deliveries_per_s],
  ['full', 'JIT compiler threads, share of the server CPU, full speed', (r) => r.server_threads?.jit_share],
  ['r100', 'JIT compiler threads, share of the server CPU, 100 msg/s', (r) => r.server_threads?.jit_share],
  ['r20', 'JIT compiler threads, share of the server CPU, 20 msg/s', (r) => r.server_threads?.jit_share],
  ['wfull', 'warm server: CPU per delivery, full speed (µs)', (r) => r.cpu?.server_cpu_us_per_delivery],
  ['wr100', 'warm server: CPU per delivery, 100 msg/s (µs)', (r) => r.cpu?.server_cpu_us_per_delivery],
  ['wr20', 'warm server: CPU per delivery, 20 msg/s (µs)', (r) => r.cpu?.server_cpu_us_per_delivery],
  ['wfull', 'warm server: p99, full speed (ms)', (r) => r.delivery?.latency_ms?.p99],
  ['wr100', 'warm server: p99, 100 msg/s (ms)', (r) => r.delivery?.latency_ms?.p99],
  ['wr20', 'warm server: p99, 20 msg/s (ms)', (r) => r.delivery?.latency_ms?.p99],
  ['wfull', 'warm server: JIT share of the server CPU, full speed', (r) => r.server_threads?.jit_share],
  ['wr100', 'warm server: JIT share of the server CPU, 100 msg/s', (r) => r.server_threads?.jit_share],
  ['wr20', 'warm server: JIT share of the server CPU, 20 msg/s', (r) => r.server_threads?.jit_share],
];

function runs(row, commit) {
  return lines.filter((r) => {
    const [lr, lc] = String(r.label || '').split('|');
    return lr === row && lc === commit;
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function cell(row, commit, get) {
  const all = runs(row, commit);
  const quiet = all.filter((r) => row === 'idle' || !(r.machine?.other_cpu_s > noisy));
  const used = quiet.length ? quiet : all;
  const xs = used.map(get).filter((x) => typeof x === 'number');
  if (!xs.length) return { text: '-', median: null };
  const m = median(xs);
  const range = xs.length > 1 ? ` [${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}]` : '';
  const note = quiet.length ? (all.length > quiet.length ? `, ${all.length - quiet.length} noisy left out` : '') : ', all noisy';
  return { text: `${fmt(m)}${range} (n=${xs.length}${note})`, median: m };
}

const out = [];
out.push(`| row | ${A} | ${B} | ${B} / ${A} |`);
out.push('|---|---|---|---|');
for (const [row, name, get] of metrics) {
  if (!runs(row, A).length && !runs(row, B).length) continue;
  const a = cell(row, A, get);
  const b = cell(row, B, get);
  const ratio = a.median && b.median !== null ? (b.median / a.median).toFixed(2) : '-';
  out.push(`| ${name} | ${a.text} | ${b.text} | ${ratio} |`);
}
for (const c of [A, B]) {
  const t = cell('tomcat', c, (r) => r.cpu?.server_cpu_us_per_delivery).median;
  const j = cell('full', c, (r) => r.cpu?.server_cpu_us_per_delivery).median;
  if (t && j) out.push(`| stock Tomcat ÷ stock Jetty, CPU per delivery at full speed, ${c} | | | ${(t / j).toFixed(2)} |`);
}
const other = lines.filter((r) => r.scenario === 'fanout').map((r) => r.machine?.other_cpu_s).filter((x) => typeof x === 'number');
const lost = lines.reduce((s, r) => s + (r.delivery?.lost || 0), 0);
const closed = lines.reduce((s, r) => s + (r.disconnects?.during_publish_or_drain || 0), 0);
out.push('');
if (other.length) out.push(`CPU used by other processes during the fanout runs (machine.other_cpu_s): median ${fmt(median(other))} s [${fmt(Math.min(...other))}-${fmt(Math.max(...other))}].`);
out.push(`${lines.length} runs; lost deliveries in all runs: ${lost}; clients closed during publish/drain: ${closed}.`);
const noisyRuns = lines.filter((r) => r.scenario === 'fanout' && r.machine?.other_cpu_s > noisy);
if (noisyRuns.length) {
  out.push(`Noisy runs (machine.other_cpu_s > ${noisy} s): ${noisyRuns.map((r) => `${r.label} (${r.machine.other_cpu_s} s)`).join(', ')}.`);
}
console.log(out.join('\n'));
