import { outputUsage } from './batches.service';
import { realtimeUsage } from './realtime.service';

describe('realtimeUsage', () => {
  it('should read a response.done usage with its text, audio and cached details', () => {
    expect(
      realtimeUsage({
        total_tokens: 150,
        input_tokens: 100,
        output_tokens: 50,
        input_token_details: { cached_tokens: 10, text_tokens: 60, audio_tokens: 40 },
        output_token_details: { text_tokens: 20, audio_tokens: 30 },
      }),
    ).toEqual({
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 10, audio_tokens: 40, text_tokens: 60 },
      completion_tokens_details: { audio_tokens: 30, text_tokens: 20 },
    });
  });

  it('should see nothing to charge in a missing or empty usage', () => {
    expect(realtimeUsage(null)).toBeNull();
    expect(realtimeUsage({ input_tokens: 0, output_tokens: 0 })).toBeNull();
    expect(realtimeUsage({ input_tokens: 'many' })).toBeNull();
  });
});

describe('outputUsage', () => {
  it('should sum the usage of every line of a batch output file, skipping errors and bad lines', () => {
    const line = (usage: unknown): string => JSON.stringify({ custom_id: 'x', response: { status_code: 200, body: { usage } }, error: null });
    const content = [
      line({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }),
      'not json',
      JSON.stringify({ custom_id: 'y', response: null, error: { message: 'failed' } }),
      line({ input_tokens: 7, output_tokens: 3 }),
      '',
    ].join('\n');
    expect(outputUsage({ kind: 'raw', status: 200, contentType: 'application/octet-stream', payload: Buffer.from(content) })).toEqual({
      prompt_tokens: 17,
      completion_tokens: 8,
      total_tokens: 25,
    });
  });
});
