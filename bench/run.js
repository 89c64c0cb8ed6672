#!/usr/bin/env node
// `npm run bench`: runs every benchmark and writes bench/RESULTS.md with the machine and the date.
// Each benchmark module exports main() returning a markdown section. `node bench/run.js reward`
// runs one.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const ALL = ['reward', 'executor', 'pipeline', 'server'];

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
  if (wanted.length === ALL.length) fs.writeFileSync(out, body);
  process.stdout.write(body);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
