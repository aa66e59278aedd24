import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/** An asset name Vite writes under assets/: a flat, hashed file name (nothing that could climb out of the folder). */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.json': 'application/json',
};

export interface UiFile {
  body: Buffer;
  contentType: string;
}

/**
 * The built admin UI (`ui/dist`, written by `npm run build`), read from disk on first use and kept: a few hundred KB
 * that never change while the process runs (a rebuild gives new hashed names, and index.html is read again when its
 * modification time moves).
 */
export class UiAssets {
  private readonly assets = new Map<string, UiFile>();
  private index: { body: Buffer; mtimeMs: number } | null = null;

  constructor(readonly distDir: string) {}

  /** The app's ui/dist: next to src/ in the repository (ts-jest) or next to dist/src in the build. */
  static locate(from: string): UiAssets {
    const candidates = [resolve(from, '../../ui/dist'), resolve(from, '../../../ui/dist')];
    return new UiAssets(candidates.find((dir) => existsSync(join(dir, '..', 'package.json'))) ?? candidates[0]);
  }

  /** index.html, or null when the UI has not been built. */
  indexHtml(): Buffer | null {
    const path = join(this.distDir, 'index.html');
    if (!existsSync(path)) return null;
    const { mtimeMs } = statSync(path);
    if (!this.index || this.index.mtimeMs !== mtimeMs) this.index = { body: readFileSync(path), mtimeMs };
    return this.index.body;
  }

  /** A file of assets/, or null for anything else (an unknown or malformed name). */
  asset(name: string): UiFile | null {
    if (!ASSET_NAME.test(name)) return null;
    const cached = this.assets.get(name);
    if (cached) return cached;
    const path = join(this.distDir, 'assets', name);
    if (!existsSync(path) || !statSync(path).isFile()) return null;
    const file = { body: readFileSync(path), contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream' };
    this.assets.set(name, file);
    return file;
  }
}
