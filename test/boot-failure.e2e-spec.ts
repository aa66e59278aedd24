import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { runBuiltGatewayToExit } from './support/built-gateway';
import { discardStorage } from './support/gateway-harness';

/** Generous for a loaded 2-core machine; a hung process (the bug) runs into it and is reported as code null. */
const DEADLINE_MS = 30_000;

/**
 * A boot that fails must end the process with a non-zero status after closing what it opened, so an orchestrator
 * sees a crash, never a process that is neither ready nor gone. The built gateway runs as a child process.
 */
describe('A failed boot ends the process (e2e, built gateway)', () => {
  it('should exit non-zero, release the data directory and name the problem when a guardrail has no plugin', async () => {
    const failure = await runBuiltGatewayToExit(
      `
general_settings: { master_key: sk-boot-fail }
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
guardrails:
  - guardrail_name: guardrails-ai
    litellm_params: { guardrail: guardrails_ai, mode: pre_call }
`,
      { deadlineMs: DEADLINE_MS },
    );
    try {
      expect(failure.code).toBe(1);
      expect(failure.stderr).toContain('Tollgate failed to start: Invalid guardrail configuration');
      expect(failure.stderr).toContain('guardrails_ai');
      // The embedded database was closed: its pid lock is gone, so the next start is not refused.
      expect(existsSync(join(failure.storage.dataDir, 'tollgate.pid'))).toBe(false);
    } finally {
      discardStorage(failure.storage);
    }
  });

  it('should exit non-zero and close the database when the port is taken', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const failure = await runBuiltGatewayToExit('general_settings: { master_key: sk-boot-fail }\n', { deadlineMs: DEADLINE_MS, port });
      try {
        expect(failure.code).toBe(1);
        expect(failure.stderr).toContain('Tollgate failed to start: listen EADDRINUSE');
        expect(existsSync(join(failure.storage.dataDir, 'tollgate.pid'))).toBe(false);
      } finally {
        discardStorage(failure.storage);
      }
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
