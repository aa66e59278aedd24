#!/usr/bin/env node
'use strict';
// Thin launcher: the compiled app lives in dist/ (`npm run build`).
const { join } = require('node:path');
const { existsSync } = require('node:fs');

const entry = join(__dirname, '..', 'dist', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('Tollgate is not built yet: run `npm run build` (npm start does it for you).\n');
  process.exit(1);
}
require(entry).runCli(process.argv.slice(2), process.env);
