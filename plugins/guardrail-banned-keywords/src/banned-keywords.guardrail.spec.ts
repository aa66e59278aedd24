import { assertGuardrailConformance, recordingLogger, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bannedKeywords from './index';

const init = (dir = '/') => ({ instanceName: 'banned_keywords', logger: recordingLogger(), resolvePath: (path: string) => join(dir, path) });

describe('banned-keywords guardrail', () => {
  it('should conform to the guardrail SDK', async () => {
    await assertGuardrailConformance(bannedKeywords, { config: { banned_keywords_list: ['hello'] }, inputs: [userInput('Hello world!')], streamTexts: ['say hel', 'lo there'] });
  });

  it("should refuse the seed's 'Hello world!' case-insensitively with LiteLLM's text", async () => {
    const sut = await bannedKeywords.create({ banned_keywords_list: ['hello'] }, init());
    expect(await sut.preCall!(userInput('Hello world!'), testContext())).toEqual({ action: 'block', message: 'Keyword banned. Keyword=hello', category: 'banned_keyword' });
    expect(await sut.preCall!(userInput('Good morning'), testContext())).toEqual({ action: 'allow' });
  });

  it('should check replies and stream windows', async () => {
    const sut = await bannedKeywords.create({ banned_keywords_list: ['acme corp'] }, init());
    expect(await sut.postCall!(userInput('x'), { texts: ['try ACME Corp instead'] }, testContext())).toMatchObject({
      action: 'block',
      message: 'Keyword banned. Keyword=acme corp',
    });
    expect(await sut.onStreamWindow!({ text: 'try acme', start: 0, newTextAt: 0, final: false }, userInput('x'), testContext())).toEqual({ action: 'allow' });
    expect(await sut.onStreamWindow!({ text: 'try acme corp', start: 0, newTextAt: 8, final: false }, userInput('x'), testContext())).toMatchObject({ action: 'block' });
  });

  it('should read the list from a .txt file relative to the config, skipping blanks and comments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'banned-'));
    writeFileSync(join(dir, 'keywords.txt'), '# competitors\nContoso\n\n  fabrikam  \n');
    const sut = await bannedKeywords.create({ banned_keywords_list: 'keywords.txt' }, init(dir));
    expect(await sut.preCall!(userInput('compare with Fabrikam'), testContext())).toMatchObject({ message: 'Keyword banned. Keyword=fabrikam' });
    expect(await sut.preCall!(userInput('# competitors'), testContext())).toEqual({ action: 'allow' });
  });

  it('should refuse to start without keywords', () => {
    expect(() => bannedKeywords.create({ banned_keywords_list: [' '] }, init())).toThrow('banned_keywords_list is empty');
  });
});
