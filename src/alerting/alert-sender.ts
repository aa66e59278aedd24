import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Agent } from 'undici';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { AlertingSettings, TollgateConfig } from '../config/config.types';
import { EgressPolicy, egressRefusalOf } from '../routing/egress-policy';
import type { Alert } from './alert';

/** How long one POST may take, how often it is tried, and the first wait between tries (doubled each time). */
export interface DeliveryOptions {
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
}

const DEFAULT_DELIVERY: DeliveryOptions = { timeoutMs: 5_000, attempts: 4, backoffMs: 500 };
export const ALERT_DELIVERY = Symbol('ALERT_DELIVERY');

/**
 * Sends alerts to Slack incoming webhooks (`{"text": …}`) and the generic webhook (LiteLLM's WebhookEvent). Every
 * dial goes through `general_settings.egress_policy`, as deployments' do. A POST is retried with backoff on a
 * network error, a timeout, 429 or 5xx; never throws. Logs name the channel and the URL's origin only: a Slack
 * webhook URL's path is its credential.
 */
@Injectable()
export class AlertSender implements OnApplicationShutdown {
  private readonly logger = new Logger('Alerting');
  private readonly agent: Agent;
  private readonly settings: AlertingSettings | undefined;
  private readonly options: DeliveryOptions;
  private closed = false;
  /** Deliveries by outcome, per `alert_type|channel`. */
  private readonly counts = { sent: new Map<string, number>(), failed: new Map<string, number>() };

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig, @Inject(ALERT_DELIVERY) options: Partial<DeliveryOptions> | null) {
    this.settings = config.alerting;
    this.options = { ...DEFAULT_DELIVERY, ...(options ?? {}) };
    const egress = new EgressPolicy(config.general_settings.egress_policy);
    this.agent = new Agent({ keepAliveTimeout: 10_000, connect: egress.connector({ timeoutMs: this.options.timeoutMs, publicOnly: false }) });
  }

  /** Sends to every destination of the alert's type; resolves to how many took it. */
  async send(alert: Alert): Promise<number> {
    if (!this.settings) return 0;
    const posts: Promise<boolean>[] = [];
    for (const url of this.settings.slack[alert.type]) posts.push(this.post('slack', url, JSON.stringify({ text: alert.text }), alert));
    if (this.settings.webhookUrl !== null) posts.push(this.post('webhook', this.settings.webhookUrl, JSON.stringify(alert.event), alert));
    const results = await Promise.all(posts);
    return results.filter(Boolean).length;
  }

  /** Deliveries so far with one outcome, as metric labels and counts. */
  *deliveries(outcome: 'sent' | 'failed'): Iterable<[{ alert_type: string; channel: string }, number]> {
    for (const [key, count] of this.counts[outcome]) {
      const [alertType, channel] = key.split('|');
      yield [{ alert_type: alertType, channel }, count];
    }
  }

  private count(outcome: 'sent' | 'failed', alert: Alert, channel: string): void {
    const key = `${alert.type}|${channel}`;
    this.counts[outcome].set(key, (this.counts[outcome].get(key) ?? 0) + 1);
  }

  private async post(channel: 'slack' | 'webhook', url: string, body: string, alert: Alert): Promise<boolean> {
    const delivered = await this.attempt(channel, url, body, alert);
    this.count(delivered ? 'sent' : 'failed', alert, channel);
    return delivered;
  }

  private async attempt(channel: 'slack' | 'webhook', url: string, body: string, alert: Alert): Promise<boolean> {
    const target = new URL(url);
    const where = `${channel} (${target.origin})`;
    let last = '';
    for (let attempt = 1; attempt <= this.options.attempts && !this.closed; attempt++) {
      try {
        const response = await this.agent.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'tollgate-alerting' },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) return true;
        last = `HTTP ${response.statusCode}`;
        // The receiver refused this body: sending it again would be refused again.
        if (response.statusCode < 500 && response.statusCode !== 429 && response.statusCode !== 408) break;
      } catch (error) {
        const refusal = egressRefusalOf(error);
        if (refusal) {
          // The same dial would be refused again: the operator's egress_policy forbids this destination.
          last = refusal.message;
          break;
        }
        last = error instanceof Error ? error.name : typeof error;
      }
      if (attempt < this.options.attempts) await new Promise((resolve) => setTimeout(resolve, this.options.backoffMs * 2 ** (attempt - 1)).unref());
    }
    this.logger.error(`${alert.type} alert (${alert.event.event}) to ${where} not delivered: ${last || 'shutting down'}`);
    return false;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.agent.close().catch(() => undefined);
  }
}
