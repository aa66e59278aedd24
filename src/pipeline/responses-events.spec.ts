import { RESPONSES_EVENTS, responsesEventType } from './responses-events';
import type { StreamOutcome } from './stream-events';

const ID = 'resp_tollgate-1';
const outcome = (): StreamOutcome => ({ usage: null, unparsed: [] });

describe('RESPONSES_EVENTS', () => {
  it('should pass deltas through untouched and keep text ones until usage arrives', () => {
    const state = outcome();
    const delta = '{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi \\"response.completed\\""}';
    expect(RESPONSES_EVENTS.relay(delta, ID, false, state)).toBe(delta);
    expect(RESPONSES_EVENTS.relay('{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_1"}}', ID, false, state)).toContain('"msg_1"');
    expect(state.unparsed).toEqual([delta]);
    expect(RESPONSES_EVENTS.textOf(state.unparsed)).toBe('Hi "response.completed"');
  });

  it('should rewrite the Response id, keep the provider’s, and read the final usage with cached and reasoning tokens', () => {
    const state = outcome();
    const created = JSON.parse(RESPONSES_EVENTS.relay('{"type":"response.created","sequence_number":0,"response":{"id":"resp_up","usage":null}}', ID, false, state) as string);
    expect(created.response.id).toBe(ID);
    expect(state.providerResponseId).toBe('resp_up');
    RESPONSES_EVENTS.relay('{"type":"response.output_text.delta","delta":"x"}', ID, false, state);
    const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 6 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 15 };
    const completed = JSON.parse(
      RESPONSES_EVENTS.relay(JSON.stringify({ type: 'response.completed', sequence_number: 9, response: { id: 'resp_up', usage } }), ID, true, state) as string,
    );
    expect(completed.response).toEqual({ id: ID, usage });
    expect(state.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 6 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
    expect(state.unparsed).toEqual([]);
  });

  it('should read the type of events whose type is not their first field', () => {
    expect(responsesEventType('{"sequence_number":1,"type":"response.completed","response":{}}')).toBe('response.completed');
    expect(responsesEventType('{"error":{"message":"x"}}')).toBeUndefined();
    const moved = JSON.parse(RESPONSES_EVENTS.relay('{"response":{"id":"resp_up"},"type":"response.in_progress"}', ID, false, outcome()) as string);
    expect(moved.response.id).toBe(ID);
  });
});
