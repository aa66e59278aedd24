import { readFileSync } from 'node:fs';
import { allow, block, defineGuardrail, type Guardrail } from '@tollgate/guardrail-sdk';

/** The instance config: LiteLLM's `blocked_user_list` (a list of end-user ids, or the path of a .txt file). */
export interface BlockedUserCheckConfig {
  blocked_user_list?: string[] | string;
}

export default defineGuardrail<BlockedUserCheckConfig>({
  manifest: {
    id: 'blocked-user-check',
    version: '1.0.0',
    sdk: '^1.0.0',
    description: 'Refuses calls whose end user (`user` in the body) is on blocked_user_list.',
    phases: ['pre_call'],
    // Cheapest check first: a blocked user needs no redaction or scanning.
    priority: 1000,
    timeoutMs: 1000,
    configSchema: {
      type: 'object',
      properties: {
        blocked_user_list: {
          description: 'End-user ids, or the path of a .txt file with one per line.',
          oneOf: [
            { type: 'array', items: { type: 'string' } },
            { type: 'string', minLength: 1 },
          ],
        },
      },
      required: ['blocked_user_list'],
    },
  },
  create(config, init): Guardrail {
    const source = config.blocked_user_list ?? [];
    const lines = typeof source === 'string' ? readFileSync(init.resolvePath(source), 'utf8').split(/\r?\n/) : source;
    const blocked = new Set(lines.map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')));
    return {
      preCall(input) {
        if (input.user === undefined || !blocked.has(input.user)) return allow();
        // LiteLLM's text for an end user on the list.
        return block(`User blocked from making LLM API Calls. User=${input.user}`, { category: 'blocked_user' });
      },
    };
  },
});
