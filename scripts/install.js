#!/usr/bin/env node
// Install step: use a prebuilt addon when one fits, else compile with node-gyp. It never fails the
// install: without a prebuild and a compiler the pure-JS backend serves, and we say so in one line.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');

function loads() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

function nodeGyp() {
  // npm tells lifecycle scripts where its bundled node-gyp is; a local devDependency also works.
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp];
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] })];
  } catch {
    return ['node-gyp'];
  }
}

if (process.env.VERPO_SKIP_BUILD === '1') {
  console.warn('verpo: VERPO_SKIP_BUILD=1, native addon not built; the pure-JS backend will serve.');
  process.exit(0);
}
if (loads()) process.exit(0);

// The compiler's output goes to a log file: on failure the user sees one line saying why and where.
const log = path.join(root, 'build-native.log');
const fd = require('fs').openSync(log, 'w');
const [cmd, ...args] = nodeGyp();
// Outside npm (no npm_config_nodedir), use the running Node's own headers when it ships them,
// instead of letting node-gyp download them.
const prefix = path.resolve(process.execPath, '..', '..');
if (!process.env.npm_config_nodedir && require('fs').existsSync(path.join(prefix, 'include', 'node', 'node_api.h')))
  args.push(`--nodedir=${prefix}`);
const r = spawnSync(cmd, [...args, 'rebuild'], { cwd: root, stdio: ['ignore', fd, fd] });
require('fs').closeSync(fd);
if (r.status === 0 && loads()) process.exit(0);
const why = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}; details in ${log}`;
console.warn(`verpo: native addon unavailable (${why}); the pure-JS backend will serve.`);
process.exit(0);
