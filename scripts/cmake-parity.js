#!/usr/bin/env node
// Builds the addon a second way, with cmake-js from the same source manifest, and runs the JS
// suites that exercise native code against that binary (VERPO_NATIVE_PATH), so the shipping
// node-gyp build and the CMake build cannot drift apart unnoticed.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build-cmake');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run(bin('cmake-js'), ['compile', '--out', out]);
const addon = path.join(out, 'Release', 'verpo.node');
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['test/reward', 'test/exec'];
run(bin('vitest'), ['run', ...suites], { ...process.env, VERPO_NATIVE_PATH: addon, VERPO_BACKEND: 'native' });
