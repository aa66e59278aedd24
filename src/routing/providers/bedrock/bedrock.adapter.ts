import { Injectable } from '@nestjs/common';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest } from '../../openai.types';
import { UnsupportedOperationError, UpstreamError } from '../../routing.errors';
import { UpstreamHttp, UpstreamResponse } from '../../upstream-http.service';
import { HttpProviderAdapter } from '../http-provider.adapter';
import { bedrockBetas, messagesUpstreamBody, withSystemTurnsFolded } from '../anthropic/anthropic-messages';
import type { JsonObject } from '../media.types';
import type { EmbeddingResult, JsonResult, MessagesCall, MessagesResult, StreamResult } from '../provider-adapter';
import type { ChunkTranslator } from '../stream-translation';
import { AwsStreamFrame, awsEventStreamFrames } from './aws-event-stream';
import { ConverseChunkTranslator, ConverseResponse, ConverseStreamException, EXCEPTION_STATUS, fromConverseResponse, toConverseRequest } from './bedrock.translation';

/** The `anthropic_version` Claude on Bedrock's InvokeModel takes in the body. */
const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-3`… */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * AWS Bedrock through the Converse API (`bedrock/<model id>`, also `bedrock/converse/<model id>`): one request
 * shape for every chat model on Bedrock, SigV4-signed with the AWS SDK's signer. Credentials come from the
 * deployment (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`, `aws_region_name`) or the standard
 * AWS environment variables; the instance metadata service is never asked, so a misconfigured deployment fails at
 * once instead of hanging on a link-local address. A Bedrock API key (`api_key`) is sent as a bearer token instead.
 */
@Injectable()
export class BedrockAdapter extends HttpProviderAdapter {
  readonly id = 'bedrock' as const;
  protected readonly label = 'Bedrock';
  /** Signers hold derived signing keys; one per credential set and region. */
  private readonly signers = new Map<string, SignatureV4>();

  constructor(http: UpstreamHttp) {
    super(http);
  }

  async chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    const response = await this.call(deployment, 'converse', toConverseRequest(request, deployment.params), signal, false);
    const parsed = await this.readJson<ConverseResponse>(response, signal);
    return { headers: this.forwardedHeaders(response), body: fromConverseResponse(parsed, modelIdOf(deployment), requestIdOf(response)) };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const response = await this.call(deployment, 'converse-stream', toConverseRequest(request, deployment.params), signal, true);
    const translator = new ConverseChunkTranslator(modelIdOf(deployment), requestIdOf(response));
    const guarded: ChunkTranslator<AwsStreamFrame> = {
      next: (frame) => {
        try {
          return translator.next(frame);
        } catch (error) {
          if (error instanceof ConverseStreamException) throw this.streamError(error.detail, error.status);
          throw error;
        }
      },
      end: () => translator.end(),
    };
    return this.streamResult(response, signal, awsEventStreamFrames, guarded);
  }

  /** Claude models (`anthropic.claude-…`, cross-region `us.anthropic.…`) take the Messages API on InvokeModel. */
  speaksMessages(deployment: Deployment): boolean {
    return /(^|[./])anthropic\./.test(modelIdOf(deployment));
  }

  /**
   * The Messages API on Claude through InvokeModel: the Anthropic body with Bedrock's `anthropic_version` and the
   * betas Bedrock takes (`anthropic_beta`); the model is in the URL. The reply is Anthropic's JSON, or its events
   * inside the AWS event stream's `chunk` frames.
   */
  async messages(call: MessagesCall, deployment: Deployment, signal: AbortSignal, streaming: boolean): Promise<MessagesResult> {
    // Bedrock takes neither `metadata` nor the effort beta's `output_config`, nor system turns mid-conversation.
    const { model: _model, stream: _stream, metadata: _metadata, output_config: _effort, ...body } = withSystemTurnsFolded(messagesUpstreamBody(call.body, false));
    const payload: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...body };
    const betas = bedrockBetas(call.betas);
    if (betas.length > 0) payload.anthropic_beta = betas;
    const response = await this.call(deployment, streaming ? 'invoke-with-response-stream' : 'invoke', payload, signal, streaming);
    if (streaming) return { kind: 'stream', stream: this.eventStream(response, signal, (raw) => this.messageEvents(raw)) };
    return { kind: 'json', body: await this.readJson<JsonObject>(response, signal), headers: this.forwardedHeaders(response) };
  }

  /** Anthropic's event texts out of the `chunk` frames; an exception frame becomes the error it stands for. */
  private async *messageEvents(body: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
    for await (const frames of awsEventStreamFrames(body)) {
      const out: string[] = [];
      for (const frame of frames) {
        if (frame.messageType !== 'event') {
          if (out.length > 0) yield out;
          const detail = typeof frame.payload.message === 'string' ? frame.payload.message : frame.eventType || 'stream error';
          throw this.streamError(detail, EXCEPTION_STATUS[frame.eventType] ?? 500);
        }
        const bytes = frame.payload.bytes;
        if (frame.eventType === 'chunk' && typeof bytes === 'string') out.push(Buffer.from(bytes, 'base64').toString('utf8'));
      }
      if (out.length > 0) yield out;
    }
  }

  /**
   * Embeddings have no Converse form: they use InvokeModel with the model family's own body. Titan takes one text
   * per call (and reports its tokens); Cohere on Bedrock takes a batch (and reports none, so the input is counted at
   * four characters a token, as the gateway's estimates are).
   */
  override async embeddings(request: EmbeddingRequest, deployment: Deployment, signal: AbortSignal): Promise<EmbeddingResult> {
    const texts = (Array.isArray(request.input) ? request.input : [request.input]).map((input) => (typeof input === 'string' ? input : JSON.stringify(input)));
    const modelId = modelIdOf(deployment);
    let vectors: number[][];
    let tokens = 0;
    let headers = {};
    if (/(^|\.)cohere\.embed/.test(modelId)) {
      const inputType = typeof request.input_type === 'string' ? request.input_type : 'search_document';
      const response = await this.call(deployment, 'invoke', { texts, input_type: inputType }, signal, false);
      vectors = (await this.readJson<{ embeddings?: number[][] }>(response, signal)).embeddings ?? [];
      tokens = texts.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
      headers = this.forwardedHeaders(response);
    } else if (/(^|\.)amazon\.titan-embed/.test(modelId)) {
      vectors = [];
      for (const text of texts) {
        const body: Record<string, unknown> = { inputText: text };
        if (typeof request.dimensions === 'number') body.dimensions = request.dimensions;
        const response = await this.call(deployment, 'invoke', body, signal, false);
        const parsed = await this.readJson<{ embedding?: number[]; inputTextTokenCount?: number }>(response, signal);
        vectors.push(parsed.embedding ?? []);
        tokens += parsed.inputTextTokenCount ?? 0;
        headers = this.forwardedHeaders(response);
      }
    } else {
      throw new UnsupportedOperationError('embeddings (Bedrock embeddings support amazon.titan-embed-* and cohere.embed-*)', deployment.modelName);
    }
    const usage = { prompt_tokens: tokens, total_tokens: tokens };
    const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding }));
    return { rawJson: JSON.stringify({ object: 'list', data, model: modelId, usage }), usage, headers };
  }

  private async call(
    deployment: Deployment,
    action: 'converse' | 'converse-stream' | 'invoke' | 'invoke-with-response-stream',
    payload: object,
    signal: AbortSignal,
    streaming: boolean,
  ): Promise<UpstreamResponse> {
    const region = regionOf(deployment);
    const base = endpointOf(deployment, region);
    // The model id may hold ':' and '/' (versions, ARNs): it is one path segment, so it is percent-encoded.
    const path = `${base.pathname.replace(/\/+$/, '')}/model/${encodeURIComponent(modelIdOf(deployment))}/${action}`;
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: streaming ? 'application/vnd.amazon.eventstream' : 'application/json',
    };
    if (deployment.apiKey && !hasSigningCredentials(deployment)) {
      headers.authorization = `Bearer ${deployment.apiKey}`;
    } else {
      const signed = await this.signerFor(deployment, region).sign({
        method: 'POST',
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port ? Number(base.port) : undefined,
        path,
        query: {},
        headers: { ...headers, host: base.host },
        body,
      });
      Object.assign(headers, signed.headers);
      // The HTTP client sets Host from the origin, to the same value that was signed.
      delete headers.host;
    }
    return this.post(`${base.origin}${path}`, headers, body, deployment, signal, streaming);
  }

  private signerFor(deployment: Deployment, region: string): SignatureV4 {
    const credentials = credentialsOf(deployment);
    const cacheKey = `${credentials.accessKeyId}\n${credentials.secretAccessKey}\n${credentials.sessionToken ?? ''}\n${region}`;
    let signer = this.signers.get(cacheKey);
    if (!signer) {
      signer = new SignatureV4({ credentials, region, service: 'bedrock', sha256: Sha256 });
      if (this.signers.size > 100) this.signers.clear();
      this.signers.set(cacheKey, signer);
    }
    return signer;
  }
}

function stringParam(deployment: Deployment, name: string): string | undefined {
  const value = deployment.params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function hasSigningCredentials(deployment: Deployment): boolean {
  return Boolean(stringParam(deployment, 'aws_access_key_id'));
}

function credentialsOf(deployment: Deployment): AwsCredentials {
  const accessKeyId = stringParam(deployment, 'aws_access_key_id');
  const secretAccessKey = stringParam(deployment, 'aws_secret_access_key');
  const sessionToken = stringParam(deployment, 'aws_session_token');
  if (!accessKeyId || !secretAccessKey) {
    throw new UpstreamError(
      'auth',
      401,
      'Bedrock',
      `no AWS credentials for model=${deployment.modelName}: set aws_access_key_id and aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)`,
    );
  }
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

function regionOf(deployment: Deployment): string {
  // `region_name` doubles as LiteLLM's coarse region tag ("eu") for customer routing; only a real AWS region is used.
  const tagged = deployment.region && AWS_REGION.test(deployment.region) ? deployment.region : undefined;
  const region = stringParam(deployment, 'aws_region_name') ?? tagged;
  if (!region || !AWS_REGION.test(region)) {
    throw new UpstreamError('bad_request', 400, 'Bedrock', `no valid AWS region for model=${deployment.modelName}: set aws_region_name (or AWS_REGION)`);
  }
  return region;
}

function endpointOf(deployment: Deployment, region: string): URL {
  return new URL(deployment.apiBase ?? stringParam(deployment, 'aws_bedrock_runtime_endpoint') ?? `https://bedrock-runtime.${region}.amazonaws.com`);
}

/** `bedrock/converse/<id>` and `bedrock/invoke/<id>` are LiteLLM's explicit forms of a route; the id is the rest. */
function modelIdOf(deployment: Deployment): string {
  return deployment.upstreamModel.replace(/^(converse|invoke)\//, '');
}

function requestIdOf(response: UpstreamResponse): string | undefined {
  const id = response.headers['x-amzn-requestid'];
  return typeof id === 'string' ? id : undefined;
}
