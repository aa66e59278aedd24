import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** DESIGN's module arrows (.dependency-cruiser.cjs), checked in `npm test` too, for whoever skips `npm run lint`. */
describe('module graph', () => {
  it('should break none of the dependency-cruiser rules', () => {
    const script: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['lint:deps'];
    const [, ...args] = script.split(' ');
    const run = spawnSync(process.execPath, [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), ...args], { cwd: root, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toContain('no dependency violations found');
    expect(run.status).toBe(0);
  });
});
