import { posix } from 'node:path';
import { DOT_DOT_SPELLINGS, refusedSubpaths, SEPARATOR_SPELLINGS, SERVED_SUBPATHS } from '../../test/fixtures/security/pass-through-paths';
import { forwardedUrl, UnsafeForwardedPathError } from './forwarded-path';

const ENDPOINT = { path: '/pt', target: 'http://127.0.0.1:18080/v1', include_subpath: true };

function pathOf(url: string): string {
  return new URL(url).pathname;
}

/**
 * What a lenient target could make of a forwarded path: decode it `levels` more times, treat `\` as `/`, fold
 * Unicode (NFKC), drop `;` parameters, and resolve dot segments.
 */
function asLenientTargetReads(path: string, levels: number): string {
  let text = path;
  for (let level = 0; level < levels; level++) {
    try {
      text = decodeURIComponent(text);
    } catch {
      break;
    }
  }
  const folded = text
    .replace(/\\/g, '/')
    .normalize('NFKC')
    .split('/')
    .map((segment) => segment.split(';')[0])
    .join('/');
  return posix.normalize(folded);
}

describe('forwardedUrl (pass-through sub-paths)', () => {
  const refused = refusedSubpaths();

  it(`should refuse every escaping or ambiguous sub-path of the corpus (${refused.length} spellings) with a 400`, () => {
    const accepted: string[] = [];
    for (const subpath of refused) {
      try {
        forwardedUrl(ENDPOINT, `/pt${subpath}`);
        accepted.push(subpath);
      } catch (error) {
        expect(error).toBeInstanceOf(UnsafeForwardedPathError);
        expect((error as UnsafeForwardedPathError).status).toBe(400);
        expect((error as Error).message).not.toContain(subpath);
      }
    }
    expect(accepted).toEqual([]);
  });

  it.each(SERVED_SUBPATHS)('should forward %s as %s', (sent, forwarded) => {
    expect(pathOf(forwardedUrl(ENDPOINT, `/pt${sent}`))).toBe(forwarded);
  });

  it('should keep every served path under the target path however many times a target decodes it', () => {
    for (const [sent] of SERVED_SUBPATHS) {
      const path = pathOf(forwardedUrl(ENDPOINT, `/pt${sent}`));
      for (let levels = 0; levels <= 3; levels++) expect(asLenientTargetReads(path, levels)).toMatch(/^\/v1(\/|$)/);
    }
  });

  it('should, for 5,000 random sub-paths built from the corpus tokens, either refuse or forward under the target path', () => {
    // A fixed seed: the same paths on every run, so a failure reproduces.
    let seed = 0x5eed;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const tokens = [...DOT_DOT_SPELLINGS, ...SEPARATOR_SPELLINGS, '.', '%2e', 'a', 'v1', '__stats', '%', '%25', ';', '\\', '/', '%00', '%ef%bc%8e', 'x%2F..'];
    let served = 0;
    for (let run = 0; run < 5_000; run++) {
      let subpath = '';
      for (let parts = 1 + random(6); parts > 0; parts--) subpath += (random(3) === 0 ? '' : '/') + tokens[random(tokens.length)];
      let url: string;
      try {
        url = forwardedUrl(ENDPOINT, `/pt/${subpath}`);
      } catch (error) {
        expect(error).toBeInstanceOf(UnsafeForwardedPathError);
        continue;
      }
      served++;
      const path = pathOf(url);
      for (let levels = 0; levels <= 3; levels++) expect([subpath, asLenientTargetReads(path, levels)]).toEqual([subpath, expect.stringMatching(/^\/v1(\/|$)/)]);
    }
    expect(served).toBeGreaterThan(0);
  });

  it('should keep the configured origin and pass the query as sent', () => {
    const url = forwardedUrl(ENDPOINT, '/pt/a?x=../../y&api_base=http://evil.example');
    expect(url).toBe('http://127.0.0.1:18080/v1/a?x=../../y&api_base=http://evil.example');
    expect(forwardedUrl(ENDPOINT, '/pt/%2F%2Fevil.example%2Fx')).toBe('http://127.0.0.1:18080/v1/%2F%2Fevil.example%2Fx');
  });

  it('should forward the bare endpoint path and a trailing slash to the target path itself', () => {
    expect(forwardedUrl(ENDPOINT, '/pt')).toBe('http://127.0.0.1:18080/v1');
    expect(forwardedUrl(ENDPOINT, '/pt/')).toBe('http://127.0.0.1:18080/v1');
    expect(forwardedUrl({ ...ENDPOINT, target: 'http://127.0.0.1:18080/v1/' }, '/pt/a')).toBe('http://127.0.0.1:18080/v1/a');
    expect(forwardedUrl({ ...ENDPOINT, target: 'http://127.0.0.1:18080' }, '/pt/a')).toBe('http://127.0.0.1:18080/a');
  });

  it('should ignore the sub-path of an endpoint without include_subpath, and refuse a path that spells the endpoint encoded', () => {
    expect(forwardedUrl({ ...ENDPOINT, include_subpath: false }, '/pt?x=1')).toBe('http://127.0.0.1:18080/v1?x=1');
    expect(() => forwardedUrl(ENDPOINT, '/p%74/a')).toThrow(UnsafeForwardedPathError);
    expect(forwardedUrl({ ...ENDPOINT, path: 'pt/' }, '/pt/a')).toBe('http://127.0.0.1:18080/v1/a');
  });
});
