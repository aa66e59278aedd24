import type { Deployment } from '../deployment';
import type { ChatCompletionRequest, CompletionObject } from '../openai.types';
import { UpstreamError } from '../routing.errors';
import type { UpstreamHttp, UpstreamResponse } from '../upstream-http.service';
import { HttpProviderAdapter } from './http-provider.adapter';
import type { JsonResult, StreamResult } from './provider-adapter';
import { ChunkBuilder, ndjsonFrames } from './stream-translation';

/** Replays one NDJSON body in a single read through the shared streaming loop. */
class ReplayAdapter extends HttpProviderAdapter {
  readonly id = 'ollama' as const;
  protected readonly label = 'Replay';

  constructor(private readonly body: string) {
    super({ streamBody: (response: UpstreamResponse) => response.body } as unknown as UpstreamHttp);
  }

  chat(): Promise<JsonResult<CompletionObject>> {
    throw new Error('not used');
  }

  async chatStream(_request: ChatCompletionRequest, _deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const bytes = Buffer.from(this.body);
    const body = Object.assign(
      (async function* () {
        yield bytes;
      })(),
      { destroyed: false, destroy: () => undefined },
    );
    const chunks = new ChunkBuilder('m');
    return this.streamResult({ statusCode: 200, headers: {}, body } as unknown as UpstreamResponse, signal, ndjsonFrames<{ text?: string; error?: string }>, {
      next: (line) => {
        if (line.error) throw this.streamError(line.error);
        return [chunks.delta({ content: line.text })];
      },
      end: () => [chunks.finish('stop')],
    });
  }
}

describe('HttpProviderAdapter streaming loop', () => {
  it('should relay what a read held before the provider’s error in that same read, then fail', async () => {
    const adapter = new ReplayAdapter('{"text":"partial "}\n{"text":"answer"}\n{"error":"model crashed"}\n');
    const result = await adapter.chatStream({ model: 'm', messages: [] }, {} as Deployment, new AbortController().signal);
    const relayed: string[] = [];
    await expect(
      (async () => {
        for await (const batch of result.batches) relayed.push(...batch);
      })(),
    ).rejects.toThrow(UpstreamError);
    expect(relayed.map((chunk) => (JSON.parse(chunk) as { choices: { delta: { content: string } }[] }).choices[0].delta.content).join('')).toBe('partial answer');
  });
});
