import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface MockStats {
  requests: number;
  chat: number;
  embeddings: number;
  responses: number;
  models: number;
  aborted: number;
  completedStreams: number;
  inFlight: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown> | null;
}

export interface MockUpstreamProcess {
  /** `http://127.0.0.1:PORT/v1`, what a deployment's `api_base` points at. */
  baseUrl: string;
  url: string;
  stats(): Promise<MockStats>;
  requests(): Promise<RecordedRequest[]>;
  reset(): Promise<void>;
  configure(options: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs test/support/mock-upstream.mjs in its own process, as a real provider would be: the gateway
 * reaches it over loopback HTTP only, and a cancelled upstream call is visible in its counters.
 */
export async function startMockUpstreamProcess(args: string[] = []): Promise<MockUpstreamProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'mock-upstream.mjs'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`mock upstream did not start: ${output}`)), 10_000);
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    child.once('exit', (code) => reject(new Error(`mock upstream exited with ${code}: ${output}`)));
  });
  const getJson = async <T>(path: string, init?: RequestInit): Promise<T> => (await (await fetch(`${url}${path}`, init)).json()) as T;
  return {
    url,
    baseUrl: `${url}/v1`,
    stats: () => getJson<MockStats>('/__stats'),
    requests: () => getJson<RecordedRequest[]>('/__requests'),
    reset: async () => void (await fetch(`${url}/__reset`, { method: 'POST' })),
    configure: async (options) => void (await fetch(`${url}/__control`, { method: 'POST', body: JSON.stringify(options), headers: { 'content-type': 'application/json' } })),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
