import type { TestGateway } from '../gateway-harness';

/**
 * Faster than any default: values refresh every half second and expire 4 s after the last successful read (eight
 * refreshes: a loaded CI machine can miss a few without the value expiring under a test that expects it fresh; the
 * expiry test waits up to 8 s for it).
 */
export const FAST_SECRET_TIMING = { TOLLGATE_SECRET_REFRESH_INTERVAL: '0.5', TOLLGATE_SECRET_TTL: '4' };

export interface ChatOutcome {
  status: number;
  body: { error?: { message: string; type: string; code: string }; choices?: unknown[] };
}

export async function chat(gateway: TestGateway, masterKey: string, model: string): Promise<ChatOutcome> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: response.status, body: (await response.json()) as ChatOutcome['body'] };
}

/** Polls until `check` passes or `timeoutMs` runs out (then throws the last failure). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000, everyMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}

/** Records everything written to stdout/stderr (Nest's logger) until `restore()`. */
export function captureOutput(): { text(): string; restore(): void } {
  const written: string[] = [];
  const restorers: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restorers.push(() => (stream.write = original));
  }
  return { text: () => written.join(''), restore: () => restorers.forEach((restore) => restore()) };
}
