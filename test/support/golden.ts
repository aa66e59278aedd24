import { deepStrictEqual } from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChunkTranslator } from '../../src/routing/providers/stream-translation';

export type FrameReaderLike<F> = (body: AsyncIterable<Buffer>) => AsyncIterable<F[]>;

/**
 * Golden files: the expected translation of a fixture, checked in next to the adapter and reviewed like code.
 * `UPDATE_GOLDEN=1` rewrites them from the current output (then `git diff` shows what changed). Test tooling: it
 * lives under test/, so it is never built into the gateway.
 */
export function expectGolden(dir: string, name: string, actual: unknown): void {
  const path = join(dir, name);
  const normalized = JSON.parse(JSON.stringify(actual, stableValues)) as unknown;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI) throw new Error(`golden file ${name} is missing`);
    writeFileSync(path, `${JSON.stringify(normalized, null, 2)}\n`);
  }
  // node:assert rather than Jest's expect, so this helper compiles without test globals; Jest shows its diff.
  deepStrictEqual(normalized, JSON.parse(readFileSync(path, 'utf8')), `translation differs from golden file ${name}`);
}

export function readFixture(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

export function readJsonFixture<T>(dir: string, name: string): T {
  return JSON.parse(readFixture(dir, name)) as T;
}

/** Values that change per run (timestamps, generated ids) replaced by placeholders. */
function stableValues(key: string, value: unknown): unknown {
  if (key === 'created' && typeof value === 'number') return '<created>';
  if (typeof value === 'string' && /^chatcmpl-[0-9a-f-]{36}$/.test(value)) return '<chatcmpl-id>';
  if (typeof value === 'string' && /^call_[0-9a-f]{24}$/.test(value)) return '<call-id>';
  return value;
}

/** Runs a recorded provider stream (bytes, split in `pieces` to exercise reassembly) through a translator. */
export async function translateRecordedStream<F>(bytes: Buffer, readFrames: FrameReaderLike<F>, translator: ChunkTranslator<F>, pieces = 7): Promise<object[]> {
  async function* body(): AsyncGenerator<Buffer> {
    const size = Math.ceil(bytes.length / pieces);
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  }
  const chunks: object[] = [];
  for await (const frames of readFrames(body())) for (const frame of frames) chunks.push(...translator.next(frame));
  chunks.push(...translator.end());
  return chunks;
}
