import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { ANTHROPIC_TEST_KEY, anthropicMock } from './support/mock-providers/anthropic.mock';
import { startMockProviderServer, type MockProviderServer } from './support/mock-providers/mock-provider-server';

/**
 * Claude Code (`@anthropic-ai/claude-code`, print mode) against Tollgate and the Anthropic mock, the way the README
 * tells users to set it up. The CLI is a 250 MB native binary, not a dependency of the project: the suite runs when
 * `CLAUDE_CODE_BIN` names one (`npm install --prefix /tmp/cc @anthropic-ai/claude-code`, then
 * `CLAUDE_CODE_BIN=/tmp/cc/node_modules/@anthropic-ai/claude-code/bin/claude.exe`), and is skipped otherwise.
 * With `CLAUDE_CODE_REPORT=<file>` it writes what Claude Code sent (headers, body shape, betas) there.
 */
const CLAUDE_CODE_BIN = process.env.CLAUDE_CODE_BIN;
const MASTER_KEY = 'sk-claude-code-master';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | null;
}

(CLAUDE_CODE_BIN ? describe : describe.skip)('Claude Code CLI through Tollgate (e2e, claude -p → gateway → Anthropic mock)', () => {
  let gateway: TestGateway;
  let mock: MockProviderServer;
  let recorder: Server;
  let recorderUrl: string;
  const seen: Seen[] = [];
  let home: string;

  beforeAll(async () => {
    mock = await startMockProviderServer([anthropicMock]);
    const entry = (name: string): string =>
      `  - model_name: ${name}\n    litellm_params: { model: anthropic/claude-3-5-sonnet-20240620, api_base: ${mock.url}, api_key: os.environ/E2E_ANTHROPIC_KEY }\n`;
    gateway = await startGateway(`general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n${entry('claude-sonnet')}${entry('claude-haiku')}`, {
      env: { E2E_ANTHROPIC_KEY: ANTHROPIC_TEST_KEY },
    });
    // A recording hop between the CLI and the gateway: what Claude Code sends, exactly.
    const target = new URL(gateway.url);
    recorder = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        const raw = Buffer.concat(parts);
        let body: Record<string, unknown> | null;
        try {
          body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : null;
        } catch {
          body = null;
        }
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        });
        forward.on('error', () => res.destroy());
        forward.end(raw);
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    home = mkdtempSync(join(tmpdir(), 'claude-code-home-'));
  }, 120_000);

  afterAll(async () => {
    writeReport();
    await new Promise((resolve) => recorder?.close(resolve));
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  function writeReport(): void {
    if (process.env.CLAUDE_CODE_REPORT) {
      const report = seen.map((request) => ({
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, /authorization|api-key/.test(name) ? '<redacted>' : value])),
        bodyKeys: request.body ? Object.keys(request.body) : null,
        model: request.body?.model,
        stream: request.body?.stream,
        max_tokens: request.body?.max_tokens,
        metadata: request.body?.metadata,
        thinking: request.body?.thinking,
        systemBlocks: Array.isArray(request.body?.system)
          ? (request.body?.system as { type: string; cache_control?: unknown; text?: string }[]).map((block) => ({
              type: block.type,
              cache_control: block.cache_control,
              chars: block.text?.length,
            }))
          : typeof request.body?.system,
        tools: Array.isArray(request.body?.tools) ? (request.body?.tools as { name: string; type?: string }[]).map((tool) => tool.type ?? tool.name) : undefined,
        messages: Array.isArray(request.body?.messages)
          ? (request.body?.messages as { role: string; content: unknown }[]).map((message) => ({
              role: message.role,
              blocks: Array.isArray(message.content)
                ? (message.content as { type: string; cache_control?: unknown }[]).map((block) => `${block.type}${block.cache_control ? '+cache_control' : ''}`)
                : typeof message.content,
            }))
          : undefined,
      }));
      writeFileSync(
        process.env.CLAUDE_CODE_REPORT,
        JSON.stringify(
          {
            upstream: mock.requests.map((request) => ({ path: request.path, beta: request.headers['anthropic-beta'], version: request.headers['anthropic-version'] })),
            seen: report,
          },
          null,
          2,
        ),
      );
    }
  }

  function claude(prompt: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(CLAUDE_CODE_BIN as string, ['-p', prompt, '--output-format', 'json', '--max-turns', '3'], {
        cwd: home,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          ANTHROPIC_BASE_URL: recorderUrl,
          ANTHROPIC_MODEL: 'claude-sonnet',
          ANTHROPIC_DEFAULT_HAIKU_MODEL: 'claude-haiku',
          ANTHROPIC_SMALL_FAST_MODEL: 'claude-haiku',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          DISABLE_TELEMETRY: '1',
          DISABLE_AUTOUPDATER: '1',
          DISABLE_ERROR_REPORTING: '1',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('should answer one prompt in print mode, keyed by ANTHROPIC_AUTH_TOKEN and by x-litellm-api-key in ANTHROPIC_CUSTOM_HEADERS', async () => {
    const key = (
      (await (
        await fetch(`${gateway.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: '{}' })
      ).json()) as { key: string }
    ).key;

    const viaToken = await claude('Reply with the word pong.', { ANTHROPIC_AUTH_TOKEN: key });
    expect({ code: viaToken.code, stderr: viaToken.stderr.slice(0, 500), stdout: viaToken.code === 0 ? '' : viaToken.stdout.slice(0, 1500) }).toEqual({
      code: 0,
      stderr: '',
      stdout: '',
    });
    const result = JSON.parse(viaToken.stdout) as { result?: string; is_error?: boolean };
    expect(result.is_error).toBe(false);
    // The mock calls the first tool Claude Code offers; Claude Code runs it and sends the tool_result back.
    expect(result.result).toMatch(/^(Claude echo|The tool said)/);

    const tokenCalls = seen.filter((request) => request.url.startsWith('/v1/messages'));
    expect(tokenCalls.length).toBeGreaterThan(0);
    for (const call of tokenCalls) expect(call.headers.authorization).toBe(`Bearer ${key}`);

    const before = seen.length;
    const viaHeader = await claude('Reply with the word ping.', { ANTHROPIC_AUTH_TOKEN: 'not-a-tollgate-key', ANTHROPIC_CUSTOM_HEADERS: `x-litellm-api-key: Bearer ${key}` });
    expect(viaHeader.code).toBe(0);
    const headerCalls = seen.slice(before).filter((request) => request.url.startsWith('/v1/messages'));
    expect(headerCalls.length).toBeGreaterThan(0);
    for (const call of headerCalls) expect(call.headers['x-litellm-api-key']).toBe(`Bearer ${key}`);

    // Every call Claude Code made is a governed call with its own spend row.
    await gateway.app.get(SpendLedgerService).flush();
    const rows = (await gateway.app.get(DataSource).query("SELECT call_type, status FROM tollgate_spend_logs WHERE call_type LIKE 'anthropic_%'")) as {
      call_type: string;
      status: string;
    }[];
    expect(rows.length).toBeGreaterThanOrEqual(headerCalls.length + tokenCalls.length);
    expect(rows.every((row) => row.status === 'success')).toBe(true);
  }, 240_000);
});
