import { countChatPromptTokens, countTextTokens, estimateChatPromptTokens, estimateTextTokens } from './token-counter';

describe(countTextTokens.name, () => {
  it.each([
    ['hello world', 'gpt-4', 2],
    ['hello world', 'gpt-4o', 2],
    ['tiktoken is great!', 'gpt-3.5-turbo', 6],
    ['antidisestablishmentarianism', 'gpt-4', 6],
  ])('should count %j with %s as %d tokens', (text, model, expected) => {
    expect(countTextTokens(text, model)).toBe(expected);
  });

  it('should use o200k_base for gpt-4o and the o-series, cl100k_base otherwise', () => {
    const text = 'Привет, как дела? こんにちは世界';

    expect(countTextTokens(text, 'gpt-4')).toBe(13);
    expect(countTextTokens(text, 'gpt-4o')).toBe(9);
    expect(countTextTokens(text, 'azure/gpt-4o-mini')).toBe(9);
    expect(countTextTokens(text, 'o3-mini')).toBe(9);
    expect(countTextTokens(text, 'claude-3-5-sonnet-20240620')).toBe(13);
  });

  it('should count special-token text as ordinary text instead of throwing', () => {
    expect(countTextTokens('<|endoftext|>', 'gpt-4')).toBe(7);
  });

  it('should count nothing for empty text', () => {
    expect(countTextTokens('', 'gpt-4o')).toBe(0);
  });
});

describe(countChatPromptTokens.name, () => {
  it('should add 3 tokens per message and 3 for the reply', () => {
    // 3 + role "user" (1) + "hello world" (2) + 3
    expect(countChatPromptTokens([{ role: 'user', content: 'hello world' }], 'gpt-4o')).toBe(9);
  });

  it('should count names, several messages and text parts', () => {
    const messages = [
      { role: 'system', content: 'hello world' },
      { role: 'user', name: 'bob', content: [{ type: 'text', text: 'hello world' }] },
    ];

    // 3 + (3 + 1 + 2) + (3 + 1 + 2 + 1 + "bob" 1)
    expect(countChatPromptTokens(messages, 'gpt-4')).toBe(17);
  });

  it('should count a non-text part as a low-detail image', () => {
    const messages = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }];

    expect(countChatPromptTokens(messages, 'gpt-4o')).toBe(3 + 3 + 1 + 85);
  });

  it('should count tool calls replayed in assistant turns', () => {
    const withCalls = [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }];

    expect(countChatPromptTokens(withCalls, 'gpt-4o')).toBeGreaterThan(countChatPromptTokens([{ role: 'assistant', content: null }], 'gpt-4o'));
  });

  it('should count nothing for no messages', () => {
    expect(countChatPromptTokens([], 'gpt-4o')).toBe(0);
  });
});

describe(estimateChatPromptTokens.name, () => {
  it('should approximate ~4 characters per token plus chat framing, without a tokenizer', () => {
    expect(estimateTextTokens('x'.repeat(400))).toBe(100);
    expect(estimateChatPromptTokens([{ role: 'user', content: 'x'.repeat(40) }])).toBe(3 + 3 + 10);
    expect(estimateChatPromptTokens([{ role: 'user', content: [{ type: 'text', text: 'abcd' }, { type: 'image_url' }] }])).toBe(3 + 3 + 1 + 85);
  });
});

describe('token counting of pathological text', () => {
  it('should count very long runs without spaces in linear time, within a token per slice of the exact count', () => {
    // 64 KB with no whitespace: whole-piece BPE would take minutes here; sliced it is instant.
    const run = 'x'.repeat(64 * 1024);
    const tokens = countTextTokens(run, 'gpt-4o');
    const perSlice = countTextTokens('x'.repeat(256), 'gpt-4o');
    expect(tokens).toBe(perSlice * 256);
    const spaces = countTextTokens(' '.repeat(64 * 1024), 'gpt-4o');
    expect(spaces).toBeGreaterThan(0);
    expect(countTextTokens(`hello ${run} world`, 'gpt-4o')).toBeGreaterThan(tokens);
  });
});
