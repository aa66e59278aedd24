import { assertGuardrailConformance, recordingLogger, testContext } from '@tollgate/guardrail-sdk/testing';
import type { GuardrailInput } from '@tollgate/guardrail-sdk';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import blockedUserCheck from './index';

const init = (dir = '/') => ({ instanceName: 'blocked_user_check', logger: recordingLogger(), resolvePath: (path: string) => join(dir, path) });
const from = (user?: string): GuardrailInput => ({ operation: 'chat', model: 'm', messages: [{ role: 'user', content: 'hi' }], user, metadata: {} });

describe('blocked-user-check guardrail', () => {
  it('should conform to the guardrail SDK', async () => {
    await assertGuardrailConformance(blockedUserCheck, { config: { blocked_user_list: ['user_id_1'] }, inputs: [from('user_id_1')] });
  });

  it("should refuse the seed's blocked user with LiteLLM's text and let others through", async () => {
    const sut = await blockedUserCheck.create({ blocked_user_list: ['user_id_1', 'user_id_2'] }, init());
    expect(await sut.preCall!(from('user_id_1'), testContext())).toEqual({
      action: 'block',
      message: 'User blocked from making LLM API Calls. User=user_id_1',
      category: 'blocked_user',
    });
    expect(await sut.preCall!(from('someone-else'), testContext())).toEqual({ action: 'allow' });
    expect(await sut.preCall!(from(undefined), testContext())).toEqual({ action: 'allow' });
  });

  it('should read the list from a .txt file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blocked-'));
    writeFileSync(join(dir, 'blocked.txt'), 'alice\nbob\n');
    const sut = await blockedUserCheck.create({ blocked_user_list: 'blocked.txt' }, init(dir));
    expect(await sut.preCall!(from('bob'), testContext())).toMatchObject({ action: 'block' });
  });
});
