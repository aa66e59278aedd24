import {
  allow,
  block,
  defineGuardrail,
  mutateMessages,
  mutateTexts,
  mutateWindow,
  streamTextChecked,
  streamTextToCheck,
  type BlockVerdict,
  type ChatMessage,
  type ContentPart,
  type Guardrail,
  type GuardrailContext,
} from '@tollgate/guardrail-sdk';
import { BedrockGuardrailClient, BedrockGuardrailError, blockedPolicies, type ApplyGuardrailResponse, type GuardrailSource } from './bedrock.client';

/** The instance config, in LiteLLM's names. */
export interface BedrockConfig {
  /** The guardrail's id (or ARN). */
  guardrailIdentifier: string;
  /** Its version: a number, or `DRAFT`. */
  guardrailVersion: string;
  /** Default `us-west-2`, as LiteLLM's. */
  aws_region_name?: string;
  aws_access_key_id: string;
  aws_secret_access_key: string;
  aws_session_token?: string;
  /** Another bedrock-runtime endpoint (a VPC endpoint, a FIPS one). */
  aws_bedrock_runtime_endpoint?: string;
}

/** Streams are assessed once per this many new characters and at their end, at most the window below. */
const STREAM_CHECK_EVERY = 384;
const STREAM_OVERLAP = 96;
const STREAM_WINDOW = 512;
/** Roles whose text is assessed as INPUT: what the user (and tools it called) sent, not the operator's system prompt. */
const INPUT_ROLES = new Set(['user', 'tool', 'function']);

/** The text slots of the assessed messages, in order: string contents and text parts. */
function inputTexts(messages: readonly ChatMessage[]): string[] {
  const texts: string[] = [];
  for (const message of messages) {
    if (!INPUT_ROLES.has(message.role)) continue;
    if (typeof message.content === 'string') texts.push(message.content);
    else if (Array.isArray(message.content)) for (const part of message.content) if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
  }
  return texts.filter((text) => text.trim() !== '');
}

/** The messages with the assessed text slots replaced, in the order {@link inputTexts} read them. */
function withInputTexts(messages: readonly ChatMessage[], replacements: readonly string[]): ChatMessage[] {
  let next = 0;
  const replace = (text: string): string => (text.trim() === '' ? text : replacements[next++]);
  return messages.map((message): ChatMessage => {
    if (!INPUT_ROLES.has(message.role)) return message;
    if (typeof message.content === 'string') return { ...message, content: replace(message.content) };
    if (!Array.isArray(message.content)) return message;
    return {
      ...message,
      content: message.content.map((part): ContentPart => (part.type === 'text' && typeof part.text === 'string' ? { ...part, text: replace(part.text) } : part)),
    };
  });
}

export default defineGuardrail<BedrockConfig>({
  manifest: {
    id: 'bedrock',
    version: '1.0.0',
    sdk: '^1.3.0',
    description:
      "Amazon Bedrock Guardrails (ApplyGuardrail with SigV4): blocks what the guardrail's policies block and masks what they anonymize, in requests, replies and streams.",
    phases: ['pre_call', 'during_call', 'post_call', 'streaming'],
    defaultPhases: ['pre_call', 'post_call', 'streaming'],
    priority: 80,
    timeoutMs: 5000,
    streamWindowChars: STREAM_WINDOW,
    configSchema: {
      type: 'object',
      properties: {
        guardrailIdentifier: { type: 'string', minLength: 1, description: 'The guardrail id (or ARN).' },
        guardrailVersion: { type: 'string', minLength: 1, description: 'Its version: a number or DRAFT.' },
        aws_region_name: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d$', default: 'us-west-2', description: 'AWS region of the guardrail.' },
        aws_access_key_id: { type: 'string', minLength: 16, description: 'Access key id (os.environ/AWS_ACCESS_KEY_ID).' },
        aws_secret_access_key: { type: 'string', minLength: 1, description: 'Secret access key (os.environ/AWS_SECRET_ACCESS_KEY).' },
        aws_session_token: { type: 'string', minLength: 1, description: 'Session token of temporary credentials.' },
        aws_bedrock_runtime_endpoint: { type: 'string', pattern: '^https?://', description: 'Another bedrock-runtime endpoint (VPC, FIPS).' },
      },
      required: ['guardrailIdentifier', 'guardrailVersion', 'aws_access_key_id', 'aws_secret_access_key'],
    },
    secretFields: ['aws_secret_access_key', 'aws_session_token'],
  },
  create(config): Guardrail {
    const client = new BedrockGuardrailClient({
      guardrailIdentifier: config.guardrailIdentifier,
      guardrailVersion: config.guardrailVersion,
      region: config.aws_region_name ?? 'us-west-2',
      credentials: { accessKeyId: config.aws_access_key_id, secretAccessKey: config.aws_secret_access_key, sessionToken: config.aws_session_token },
      endpoint: config.aws_bedrock_runtime_endpoint,
    });

    // The guardrail's own blocked messaging (set by whoever wrote the policy) and the policies, never the text.
    const refusal = (response: ApplyGuardrailResponse, source: GuardrailSource): BlockVerdict | undefined => {
      const policies = blockedPolicies(response);
      if (response.action !== 'GUARDRAIL_INTERVENED' || policies.length === 0) return undefined;
      const messaging = response.outputs
        .map((output) => output.text ?? '')
        .join(' ')
        .trim();
      const what = source === 'INPUT' ? 'request' : 'response';
      return block(`Violated guardrail policy: ${messaging || `the Bedrock guardrail blocked the ${what}`} (${policies.join(', ')})`, { category: `bedrock_${what}_blocked` });
    };

    /** The masked texts of an intervention that only anonymized: one output per text sent. */
    const maskedTexts = (response: ApplyGuardrailResponse, sent: readonly string[]): string[] | undefined => {
      if (response.action !== 'GUARDRAIL_INTERVENED') return undefined;
      const texts = response.outputs.map((output) => output.text);
      if (texts.length !== sent.length || texts.some((text) => typeof text !== 'string'))
        throw new BedrockGuardrailError(`Bedrock masked ${sent.length} text(s) into ${texts.length} output(s)`);
      return texts as string[];
    };

    const assessInput = async (messages: readonly ChatMessage[], ctx: GuardrailContext) => {
      const texts = inputTexts(messages);
      return texts.length === 0 ? undefined : { texts, response: await client.apply(ctx, 'INPUT', texts) };
    };

    return {
      async preCall(input, ctx) {
        const assessed = await assessInput(input.messages, ctx);
        if (!assessed) return allow();
        const refused = refusal(assessed.response, 'INPUT');
        if (refused) return refused;
        const masked = maskedTexts(assessed.response, assessed.texts);
        return masked ? mutateMessages(withInputTexts(input.messages, masked), ['bedrock_anonymized']) : allow();
      },
      async duringCall(input, ctx) {
        // Beside the provider call nothing can be masked any more: only a block counts.
        const assessed = await assessInput(input.messages, ctx);
        return (assessed && refusal(assessed.response, 'INPUT')) ?? allow();
      },
      async postCall(_input, output, ctx) {
        const indexes = output.texts.flatMap((text, index) => (text.trim() === '' ? [] : [index]));
        if (indexes.length === 0) return allow();
        const sent = indexes.map((index) => output.texts[index]);
        const response = await client.apply(ctx, 'OUTPUT', sent);
        const refused = refusal(response, 'OUTPUT');
        if (refused) return refused;
        const masked = maskedTexts(response, sent);
        if (!masked) return allow();
        const texts = [...output.texts];
        indexes.forEach((index, i) => (texts[index] = masked[i]));
        return mutateTexts(texts, ['bedrock_anonymized']);
      },
      async onStreamWindow(window, _input, ctx) {
        const due = streamTextToCheck(window, ctx, { everyChars: STREAM_CHECK_EVERY, overlapChars: STREAM_OVERLAP });
        if (!due) return allow();
        if (due.text.trim() === '') {
          streamTextChecked(window, ctx, due);
          return allow();
        }
        const response = await client.apply(ctx, 'OUTPUT', [due.text]);
        const refused = refusal(response, 'OUTPUT');
        if (refused) return refused;
        const text = streamTextChecked(window, ctx, due, maskedTexts(response, [due.text])?.[0]);
        return text === window.text ? allow() : mutateWindow(text, ['bedrock_anonymized']);
      },
    };
  },
});
