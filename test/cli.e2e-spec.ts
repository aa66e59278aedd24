import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/main';
import { TEMPLATE_DIR } from './support/global-setup';

describe('tollgate CLI (e2e)', () => {
  let dir: string;
  let stderr: jest.SpyInstance;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.exitCode = undefined;
  });

  afterEach(() => {
    stderr.mockRestore();
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const written = () => stderr.mock.calls.map((call) => String(call[0])).join('');

  it('should stop at boot naming every invalid key, and nothing secret', async () => {
    const configPath = join(dir, 'bad.yaml');
    writeFileSync(
      configPath,
      [
        'general_settings:',
        '  master_key: not-a-valid-master-key',
        '  max_request_size_mb: -3',
        'model_list:',
        '  - model_name: gpt',
        '    litellm_params: { model: openai/gpt-4o, api_base: "not a url", api_key: sk-super-secret-upstream }',
        'unknown_section: { a: 1 }',
      ].join('\n'),
    );
    const app = await runCli(['--config', configPath, '--port', '0'], { TOLLGATE_DATA_DIR: dir });
    expect(app).toBeUndefined();
    expect(process.exitCode).toBe(1);
    const output = written();
    expect(output).toContain('general_settings.master_key');
    expect(output).toContain('general_settings.max_request_size_mb');
    expect(output).toContain('model_list[0].litellm_params.api_base');
    expect(output).not.toContain('sk-super-secret-upstream');
    expect(output).not.toContain('not-a-valid-master-key');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('should refuse unknown flags with usage and exit code 2', async () => {
    expect(await runCli(['--frobnicate'], {})).toBeUndefined();
    expect(process.exitCode).toBe(2);
    expect(written()).toContain('Usage: tollgate');
  });

  it('should start from CONFIG_FILE_PATH and serve on the given port', async () => {
    if (!process.env.DATABASE_URL) cpSync(TEMPLATE_DIR, dir, { recursive: true, filter: (source) => !source.endsWith('/ready') });
    const configPath = join(dir, 'ok.yaml');
    writeFileSync(configPath, 'general_settings: { master_key: sk-cli }\nmodel_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n');
    const app = await runCli(['--port', '0', '--host', '127.0.0.1'], {
      CONFIG_FILE_PATH: configPath,
      TOLLGATE_DATA_DIR: dir,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    });
    expect(app).toBeDefined();
    try {
      const address = app?.getHttpServer().address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const response = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: 'Bearer sk-cli' } });
      expect(((await response.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['demo']);
    } finally {
      await app?.close();
    }
  });

  it('should write one JSON object per line with JSON_LOGS, naming the request and call a line belongs to', async () => {
    if (!process.env.DATABASE_URL) cpSync(TEMPLATE_DIR, dir, { recursive: true, filter: (source) => !source.endsWith('/ready') });
    const configPath = join(dir, 'json.yaml');
    writeFileSync(
      configPath,
      [
        'general_settings: { master_key: sk-json-logs }',
        'model_list:',
        '  - model_name: demo',
        '    litellm_params: { model: mock/demo }',
        'router_settings:',
        '  num_retries: 0',
        '  fallbacks: [{ demo: [ghost-model] }]',
      ].join('\n'),
    );
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let app;
    try {
      app = await runCli(['--config', configPath, '--port', '0', '--host', '127.0.0.1'], {
        JSON_LOGS: 'True',
        TOLLGATE_DATA_DIR: dir,
        ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      });
      expect(app).toBeDefined();
      const address = app?.getHttpServer().address();
      const port = typeof address === 'object' && address ? address.port : 0;
      // The primary fails on purpose and its fallback is not configured: the router warns while serving the call.
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-json-logs', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'secret prompt text' }], mock_testing_fallbacks: true }),
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      const callId = response.headers.get('x-litellm-call-id');
      const requestId = response.headers.get('x-request-id');
      expect(callId).toBeTruthy();
      await app?.close();
      app = undefined;
      const lines = [...stdout.mock.calls, ...stderr.mock.calls]
        .map((call) => String(call[0]))
        .join('')
        .split('\n')
        .filter((line) => line !== '');
      expect(lines.length).toBeGreaterThan(2);
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const warning = records.find((record) => String(record.message).includes('ghost-model'));
      expect(warning).toMatchObject({ level: 'warn', request_id: requestId, call_id: callId });
      const listening = records.find((record) => String(record.message).includes('listening on'));
      expect(listening).toMatchObject({ level: 'log', context: 'Tollgate' });
      expect(listening).not.toHaveProperty('request_id');
      expect(lines.join('\n')).not.toContain('secret prompt text');
      expect(lines.join('\n')).not.toContain('sk-json-logs');
    } finally {
      stdout.mockRestore();
      await app?.close();
    }
  });
});
