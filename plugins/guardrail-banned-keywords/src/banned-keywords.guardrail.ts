import { readFileSync } from 'node:fs';
import { allow, block, defineGuardrail, type Guardrail, type GuardrailInitContext, messageTexts, type BlockVerdict } from '@tollgate/guardrail-sdk';

/** The instance config: LiteLLM's `banned_keywords_list` (a list, or the path of a .txt file, one per line). */
export interface BannedKeywordsConfig {
  banned_keywords_list?: string[] | string;
  /** Tollgate's alias of `banned_keywords_list` for the top-level `guardrails:` form. */
  keywords?: string[] | string;
}

/** The list from config: inline, or a file relative to the config file; blank lines and `#` comments skipped. */
export function loadKeywords(config: BannedKeywordsConfig, init: Pick<GuardrailInitContext, 'resolvePath'>): string[] {
  const source = config.banned_keywords_list ?? config.keywords;
  if (source === undefined) throw new Error('banned_keywords_list is required (a list of keywords or the path of a .txt file)');
  const lines = typeof source === 'string' ? readFileSync(init.resolvePath(source), 'utf8').split(/\r?\n/) : source;
  const keywords = [...new Set(lines.map((line) => line.trim().toLowerCase()).filter((line) => line !== '' && !line.startsWith('#')))];
  if (keywords.length === 0) throw new Error('banned_keywords_list is empty');
  return keywords;
}

/** The first banned keyword in `text` (lower-cased substring match, as LiteLLM), or undefined. */
export function findBannedKeyword(text: string, keywords: readonly string[]): string | undefined {
  const lowered = text.toLowerCase();
  return keywords.find((keyword) => lowered.includes(keyword));
}

/** LiteLLM's refusal text. */
function banned(keyword: string): BlockVerdict {
  return block(`Keyword banned. Keyword=${keyword}`, { category: 'banned_keyword' });
}

export default defineGuardrail<BannedKeywordsConfig>({
  manifest: {
    id: 'banned-keywords',
    version: '1.0.0',
    sdk: '^1.0.0',
    description: 'Refuses requests and replies (streams included) that contain a banned keyword.',
    phases: ['pre_call', 'during_call', 'post_call', 'streaming'],
    defaultPhases: ['pre_call', 'post_call', 'streaming'],
    priority: 50,
    timeoutMs: 2000,
    configSchema: {
      type: 'object',
      properties: {
        banned_keywords_list: {
          description: 'Keywords (case-insensitive substrings), or the path of a .txt file with one per line.',
          oneOf: [
            { type: 'array', items: { type: 'string' }, minItems: 1 },
            { type: 'string', minLength: 1 },
          ],
        },
        keywords: {
          description: 'Alias of banned_keywords_list.',
          oneOf: [
            { type: 'array', items: { type: 'string' }, minItems: 1 },
            { type: 'string', minLength: 1 },
          ],
        },
      },
      anyOf: [{ required: ['banned_keywords_list'] }, { required: ['keywords'] }],
    },
  },
  create(config, init): Guardrail {
    const keywords = loadKeywords(config, init);
    // A keyword split across two chunks is still inside one window.
    const checkInput = (texts: readonly string[]) => {
      for (const text of texts) {
        const keyword = findBannedKeyword(text, keywords);
        if (keyword !== undefined) return banned(keyword);
      }
      return allow();
    };
    return {
      preCall: (input) => checkInput(messageTexts(input.messages)),
      duringCall: (input) => checkInput(messageTexts(input.messages)),
      postCall: (_input, output) => checkInput(output.texts),
      onStreamWindow: (window) => checkInput([window.text]),
    };
  },
});
