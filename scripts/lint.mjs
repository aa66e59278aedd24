#!/usr/bin/env node
// `npm run lint`: the lint:* scripts of package.json side by side (typescript-eslint's type-aware pass keeps one core
// busy; Prettier and dependency-cruiser share the other), each one's output printed whole as it ends. Exits 1 if
// any of them found something.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts;
const checks = ['lint:eslint', 'lint:prettier', 'lint:deps'];

const run = (name) =>
  new Promise((resolve) => {
    const started = performance.now();
    // npm run put node_modules/.bin on PATH for this script, and so for its children.
    const child = spawn('sh', ['-c', scripts[name]], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`── ${name}: ${code === 0 ? 'ok' : 'FAILED'} in ${seconds} s (${scripts[name]})\n${output.trimEnd()}\n\n`);
      resolve(code === 0);
    });
  });

const results = await Promise.all(checks.map(run));
process.exit(results.every(Boolean) ? 0 : 1);
