#!/usr/bin/env node
// Builds the bare C++ core with CMake (no Node headers) and runs its unit tests.
// --sanitize builds with ASan + UBSan into build-core-asan instead.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const sanitize = process.argv.includes('--sanitize');
const dir = path.join(root, sanitize ? 'build-core-asan' : 'build-core');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('cmake', ['-S', root, '-B', dir, '-DCMAKE_BUILD_TYPE=Release', `-DVERPO_SANITIZE=${sanitize ? 'ON' : 'OFF'}`]);
run('cmake', ['--build', dir, '-j', '2']);
run(path.join(dir, 'verpo_core_tests'), []);
