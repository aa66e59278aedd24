import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` package (CI installs it); `CHROMIUM_PATH` points elsewhere. */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The browser the page suites drive, or undefined when this machine has none. */
export function chromiumPath(): string | undefined {
  return CANDIDATES.find((path): path is string => typeof path === 'string' && path !== '' && existsSync(path));
}

/**
 * `describe` for suites that need a real browser. CI installs Debian's chromium, so there a missing browser fails
 * the suite; a developer machine without one skips it, saying so.
 */
export function describeInBrowser(name: string, suite: () => void): void {
  if (chromiumPath() || process.env.CI) {
    describe(name, suite);
    return;
  }
  process.stderr.write(`${name}: skipped, no chromium here (apt-get install chromium, or set CHROMIUM_PATH)\n`);
  describe.skip(name, suite);
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no chromium found: apt-get install chromium, or set CHROMIUM_PATH');
  // Root in a container has no user namespace for Chromium's sandbox.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
