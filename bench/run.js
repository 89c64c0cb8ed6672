#!/usr/bin/env node
// `npm run bench`: runs every benchmark and writes bench/RESULTS.md with the machine and the date.
// Each benchmark module exports main() returning a markdown section. `node bench/run.js reward`
// runs one and replaces its section in RESULTS.md (matched by its `## ` heading's first words), keeping
// the rest. `soak` (100,000 executions through one server) is not part of the full run: it takes minutes.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const ALL = ['reward', 'executor', 'scope', 'pipeline', 'server', 'shaping', 'testgen'];

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`;
}

async function main() {
  const wanted = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
  const sections = [];
  for (const name of wanted) {
    const file = path.join(__dirname, `${name}.js`);
    if (!fs.existsSync(file)) throw new Error(`no benchmark named ${name}`);
    process.stderr.write(`bench: ${name}\n`);
    sections.push(await require(file).main());
  }
  const header = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${machine()}.`,
    'Timings on shared machines are noisy: every figure is a median of repeated runs, and ratios',
    'compare measurements taken in the same run.',
    '',
  ].join('\n');
  const out = path.join(__dirname, 'RESULTS.md');
  const body = header + '\n' + sections.join('\n');
  if (wanted.length === ALL.length && ALL.every((n) => wanted.includes(n))) {
    const kept = fs.existsSync(out) ? splitSections(fs.readFileSync(out, 'utf8')).filter((s) => s.startsWith('## Soak')) : [];
    fs.writeFileSync(out, [body, ...kept].join('\n'));
  } else if (fs.existsSync(out)) {
    fs.writeFileSync(out, mergeSections(fs.readFileSync(out, 'utf8'), sections));
  }
  process.stdout.write(body);
}

/** The file's `## ` sections (the text before the first is the header, element 0). */
function splitSections(text) {
  return text.split(/\n(?=## )/);
}

/** A section's identity: its heading up to the first colon or parenthesis (figures in headings change). */
function sectionKey(section) {
  return section.split('\n')[0].replace(/[:(].*$/, '').replace(/[\d,]+/g, 'N').trim();
}

function mergeSections(text, fresh) {
  const parts = splitSections(text);
  for (const sec of fresh) {
    const at = parts.findIndex((p, i) => i > 0 && sectionKey(p) === sectionKey(sec));
    if (at > 0) parts[at] = sec.trimEnd() + '\n';
    else parts.push(sec.trimEnd() + '\n');
  }
  return parts.join('\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
