import { Injectable } from '@nestjs/common';
import { countChatPromptTokens } from '../../../catalog/token-counter';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, CompletionObject } from '../../openai.types';
import { UpstreamHttp, UpstreamResponse } from '../../upstream-http.service';
import { AwsRequestSigner, stringParam } from '../aws/aws-request-signer';
import { HttpProviderAdapter } from '../http-provider.adapter';
import { PROXY_ONLY_FIELDS } from '../openai/openai-wire.adapter';
import type { JsonResult, StreamResult } from '../provider-adapter';
import type { ChunkTranslator } from '../stream-translation';
import { usageOf } from '../stream-translation';
import {
  fromTgiResponse,
  hfPromptOf,
  SageMakerChatChunkTranslator,
  SageMakerFrame,
  sagemakerFrames,
  SageMakerStreamException,
  TgiChunkTranslator,
  tgiRequest,
} from './sagemaker.translation';

/** `sagemaker_chat/<endpoint>`: the endpoint speaks the Messages API (OpenAI's chat body). */
const CHAT_PROVIDER = 'sagemaker_chat';

/**
 * Amazon SageMaker real-time endpoints through InvokeEndpoint (`POST https://runtime.sagemaker.{region}.amazonaws.com
 * /endpoints/{endpoint}/invocations`, streaming through `invocations-response-stream` as an AWS event stream), signed
 * with SigV4 for service `sagemaker`. `sagemaker/<endpoint>` sends Hugging Face TGI's `{inputs, parameters}` with a
 * prompt built from the messages; `sagemaker_chat/<endpoint>` sends OpenAI's chat body. Credentials and region as for
 * Bedrock; `model_id` names an inference component, `sagemaker_base_url` replaces the whole URL.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
 */
@Injectable()
export class SageMakerAdapter extends HttpProviderAdapter {
  readonly id = 'sagemaker' as const;
  protected readonly label = 'Sagemaker';
  private readonly signer = new AwsRequestSigner(this.label);

  constructor(http: UpstreamHttp) {
    super(http);
  }

  async chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    const endpoint = deployment.upstreamModel;
    if (isChat(deployment)) {
      const response = await this.invoke(deployment, messagesBody(request, endpoint, false), signal, false);
      const body = await this.readJson<CompletionObject>(response, signal);
      // TGI reports usage; a container that does not is counted, so the call is still charged.
      body.usage ??= usageOf(countChatPromptTokens(request.messages, endpoint), 0);
      return { headers: this.forwardedHeaders(response), body: { ...body, object: body.object ?? 'chat.completion' } };
    }
    const payload = tgiRequest(request, endpoint, deployment.params, false);
    const response = await this.invoke(deployment, payload, signal, false);
    return { headers: this.forwardedHeaders(response), body: fromTgiResponse(await this.readJson<unknown>(response, signal), payload.inputs, endpoint) };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const endpoint = deployment.upstreamModel;
    if (isChat(deployment)) {
      const response = await this.invoke(deployment, messagesBody(request, endpoint, true), signal, true);
      return this.streamResult(response, signal, sagemakerFrames, this.guarded(new SageMakerChatChunkTranslator(endpoint)));
    }
    const payload = tgiRequest(request, endpoint, deployment.params, true);
    const response = await this.invoke(deployment, payload, signal, true);
    return this.streamResult(response, signal, sagemakerFrames, this.guarded(new TgiChunkTranslator(endpoint, hfPromptOf(request.messages, endpoint, deployment.params))));
  }

  private async invoke(deployment: Deployment, payload: object, signal: AbortSignal, streaming: boolean): Promise<UpstreamResponse> {
    const region = this.signer.regionOf(deployment);
    const url = new URL(invocationUrl(deployment, region, streaming));
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: streaming ? 'application/vnd.amazon.eventstream' : 'application/json' };
    const component = stringParam(deployment, 'model_id');
    if (component) headers['x-amzn-sagemaker-inference-component'] = component;
    const signed = await this.signer.sign(deployment, 'sagemaker', region, url, headers, body);
    return this.post(url.toString(), signed, body, deployment, signal, streaming);
  }

  /**
   * SageMaker wraps the container's own refusal in a 424 ModelError ("Received client error (422) from primary with
   * message …"): a client error of the container is the caller's bad request, a server error the provider's.
   */
  protected override upstreamStatusOf(status: number, detail: string): number {
    if (status !== 424) return status;
    const wrapped = /Received (client|server) error \((\d{3})\)/.exec(detail);
    if (!wrapped) return status;
    return wrapped[1] === 'client' ? 400 : 500;
  }

  /** An exception frame mid-stream becomes the same error class a failed HTTP call would have. */
  private guarded(translator: ChunkTranslator<SageMakerFrame>): ChunkTranslator<SageMakerFrame> {
    return {
      next: (frame) => {
        try {
          return translator.next(frame);
        } catch (error) {
          if (error instanceof SageMakerStreamException) throw this.streamError(error.detail, error.status);
          throw error;
        }
      },
      end: () => translator.end(),
    };
  }
}

function isChat(deployment: Deployment): boolean {
  return deployment.customLlmProvider === CHAT_PROVIDER;
}

/** OpenAI's chat body for a Messages-API container; the endpoint name goes as the model. */
function messagesBody(request: ChatCompletionRequest, endpoint: string, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request, model: endpoint };
  for (const field of PROXY_ONLY_FIELDS) delete body[field];
  delete body.stream;
  delete body.stream_options;
  // TGI streams only when asked in the body; the response-stream API alone would deliver the whole answer at the end.
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

/**
 * `https://runtime.sagemaker.{region}.amazonaws.com/endpoints/{endpoint}/invocations[-response-stream]`; `api_base`
 * replaces the origin, `sagemaker_base_url` the whole URL (LiteLLM's).
 */
export function invocationUrl(deployment: Deployment, region: string, streaming: boolean): string {
  const whole = stringParam(deployment, 'sagemaker_base_url');
  if (whole) return whole;
  const base = (deployment.apiBase ?? `https://runtime.sagemaker.${region}.amazonaws.com`).replace(/\/+$/, '');
  return `${base}/endpoints/${encodeURIComponent(deployment.upstreamModel)}/${streaming ? 'invocations-response-stream' : 'invocations'}`;
}
