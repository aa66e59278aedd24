import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('SDK API report', () => {
  // The SDK is a published contract: a change to its declarations must come with a reviewed report.api.md.
  it('should match the committed report.api.md', () => {
    expect(() => execFileSync(process.execPath, [join(__dirname, '../api-report.mjs')], { stdio: 'pipe' })).not.toThrow();
  });
});
