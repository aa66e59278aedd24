import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { GuardrailOperation } from '@tollgate/guardrail-sdk';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { TeamRecord } from '../teams/team';
import { GuardrailMetrics, type GuardrailObserver } from './guardrail.metrics';
import type { GuardrailModelGateway } from './guardrail-models';
import { GuardrailCall, type GuardrailBody, type GuardrailText } from './guardrail-call';
import type { GuardrailInstance, GuardrailRegistry } from './guardrail-registry';
import { GUARDRAIL_REGISTRY } from './guardrails.tokens';
import { GuardrailModificationForbiddenError } from './guardrails.errors';

/** What selecting the guardrails of one call needs. */
export interface GuardrailCallRequest {
  readonly requestId: string;
  readonly operation: GuardrailOperation;
  /** The request body: model, user, metadata and the per-request guardrail switches. */
  readonly body: GuardrailBody;
  /** The request's text; pre_call rewrites are written back through it. */
  readonly text: GuardrailText;
  readonly key: VirtualKeyRecord | undefined;
  readonly team: TeamRecord | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function names(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  // LiteLLM's dict form `{"name": {"extra_body": …}}` names the guardrails by its keys.
  if (isRecord(value)) return Object.keys(value);
  return [];
}

/** The per-call switches, read once from the body, the key and the team. */
interface Switches {
  readonly keyPermissions: Readonly<Record<string, unknown>>;
  readonly requestPermissions: Readonly<Record<string, unknown>>;
  /** Legacy `metadata.guardrails: {"<name>": true|false}`. */
  readonly requestToggles: Readonly<Record<string, unknown>>;
  /** Names asked for by the request (`guardrails`, or `metadata.guardrails` as a list), the key and the team. */
  readonly requested: ReadonlySet<string>;
}

/**
 * Chooses which configured guardrails run on a call and hands back a {@link GuardrailCall} to run them.
 *
 * Selection, after LiteLLM: an instance runs when it is `default_on` (every `litellm_settings.callbacks` entry is),
 * or when the request (`guardrails: [...]`, `metadata.guardrails`), the key or the team names it. It is skipped when
 * the key's `permissions` or the request's `metadata.guardrails` set its name (or its id, e.g. `hide_secrets`) to
 * false. Instances with `guardrail_mode: key-specific` / `request-specific` run only when the key's `permissions` /
 * the request's `metadata.permissions` switch them on (`enable_<id>_check: true`, or `<name>: true`).
 */
@Injectable()
export class GuardrailsService implements OnApplicationShutdown {
  private models?: GuardrailModelGateway;

  constructor(
    @Inject(GUARDRAIL_REGISTRY) private readonly registry: GuardrailRegistry,
    @Inject(GuardrailMetrics) private readonly observer: GuardrailObserver,
  ) {}

  /** Where guardrails' model calls go (`GuardrailContext.models`); set once at boot by the call pipeline. */
  useModelGateway(gateway: GuardrailModelGateway): void {
    this.models = gateway;
  }

  /** True when any guardrail is configured; the gateway skips all guardrail work otherwise. */
  get configured(): boolean {
    return this.registry.instances.length > 0;
  }

  /**
   * The guardrails of one call.
   * @throws GuardrailModificationForbiddenError when the request sends guardrail switches and its team's metadata
   * says `guardrails: {modify_guardrails: false}`.
   */
  select(request: GuardrailCallRequest): GuardrailCall {
    const metadata = isRecord(request.body.metadata) ? request.body.metadata : {};
    const modifies = request.body.guardrails !== undefined || metadata.guardrails !== undefined;
    const teamGuardrails = request.team?.metadata.guardrails;
    if (modifies && isRecord(teamGuardrails) && teamGuardrails.modify_guardrails === false) throw new GuardrailModificationForbiddenError();
    const switches: Switches = {
      keyPermissions: request.key?.permissions ?? {},
      requestPermissions: isRecord(metadata.permissions) ? metadata.permissions : {},
      requestToggles: isRecord(metadata.guardrails) ? metadata.guardrails : {},
      requested: new Set([
        ...names(request.body.guardrails),
        ...(Array.isArray(metadata.guardrails) ? names(metadata.guardrails) : []),
        ...(request.key?.guardrails ?? []),
        ...(Array.isArray(teamGuardrails) ? names(teamGuardrails) : []),
      ]),
    };
    const selected = this.registry.instances.filter((instance) => runsFor(instance, switches));
    return new GuardrailCall(
      selected,
      request.operation,
      request.body,
      request.text,
      { requestId: request.requestId, keyId: request.key?.token ?? null, teamId: request.team?.teamId ?? null },
      this.observer,
      this.models,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registry.close();
  }
}

function runsFor(instance: GuardrailInstance, switches: Switches): boolean {
  // A callback is switched by its name in either spelling (`hide_secrets`, `hide-secrets`); a named instance by its name.
  const aliases = instance.form === 'callbacks' ? [instance.name, instance.id, instance.id.replace(/-/g, '_')] : [instance.name];
  const setTo = (record: Readonly<Record<string, unknown>>, value: boolean): boolean => aliases.some((alias) => record[alias] === value);
  if (setTo(switches.keyPermissions, false) || setTo(switches.requestToggles, false)) return false;
  const enableFlag = `enable_${instance.id.replace(/-/g, '_')}_check`;
  if (instance.activation === 'key-specific') return switches.keyPermissions[enableFlag] === true || setTo(switches.keyPermissions, true);
  if (instance.activation === 'request-specific') return switches.requestPermissions[enableFlag] === true || setTo(switches.requestPermissions, true);
  return instance.defaultOn || setTo(switches.requestToggles, true) || switches.requested.has(instance.name);
}
