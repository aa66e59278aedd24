import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertingSettings, TollgateConfig } from '../config/config.types';
import type { Alert } from './alert';
import { AlertSender } from './alert-sender';

interface Received {
  path: string;
  body: unknown;
}

/** A local receiver answering each POST with the next status of `statuses` (then 200); `hang` never answers. */
async function receiver(statuses: (number | 'hang')[]): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) });
      const status = statuses.shift() ?? 200;
      if (status !== 'hang') res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const alert: Alert = {
  type: 'budget_alerts',
  key: null,
  text: ':warning: Budget alert: Key "bot" crossed 50% of its budget',
  event: {
    spend: 5,
    max_budget: 10,
    soft_budget: null,
    token: 'c'.repeat(64),
    customer_id: null,
    user_id: null,
    team_id: null,
    team_alias: null,
    user_email: null,
    key_alias: 'bot',
    projected_exceeded_date: null,
    projected_spend: null,
    event: 'threshold_crossed',
    event_group: 'key',
    event_message: 'Key "bot" crossed 50% of its budget',
    alert_type: 'budget_alerts',
    threshold: 50,
  },
};

function senderFor(settings: Partial<AlertingSettings>, egressDeny: string[] = []): AlertSender {
  const alerting: AlertingSettings = { ...senderSettings(), ...settings };
  const config = { alerting, general_settings: { egress_policy: { deny: egressDeny } } } as unknown as TollgateConfig;
  return new AlertSender(config, { timeoutMs: 300, attempts: 3, backoffMs: 10 });
}

describe(AlertSender.name, () => {
  let errors: string[];

  beforeEach(() => {
    errors = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
  });

  afterEach(() => jest.restoreAllMocks());

  it("should POST LiteLLM's WebhookEvent to the webhook and {text} to each Slack URL", async () => {
    const hook = await receiver([]);
    const sender = senderFor({
      webhookUrl: `${hook.url}/hook`,
      slack: {
        budget_alerts: [`${hook.url}/slack/T000/B000/secret`],
        cooldown_deployment: [],
        new_virtual_key_created: [],
        new_internal_user_created: [],
        llm_too_slow: [],
        llm_requests_hanging: [],
        outage_alerts: [],
        spend_reports: [],
      },
    });
    try {
      expect(await sender.send(alert)).toBe(2);
      const byPath = Object.fromEntries(hook.received.map(({ path, body }) => [path, body]));
      expect(byPath['/hook']).toEqual(alert.event);
      expect(byPath['/slack/T000/B000/secret']).toEqual({ text: alert.text });
      expect([...sender.deliveries('sent')]).toEqual([
        [{ alert_type: 'budget_alerts', channel: 'slack' }, 1],
        [{ alert_type: 'budget_alerts', channel: 'webhook' }, 1],
      ]);
    } finally {
      await sender.onApplicationShutdown();
      await hook.close();
    }
  });

  it('should retry 5xx, 429 and timeouts with backoff, then deliver', async () => {
    const hook = await receiver([503, 429, 'hang']);
    const retrying = new AlertSender({ alerting: { ...senderSettings(), webhookUrl: `${hook.url}/hook` }, general_settings: {} } as unknown as TollgateConfig, {
      timeoutMs: 300,
      attempts: 4,
      backoffMs: 10,
    });
    try {
      expect(await retrying.send(alert)).toBe(1);
      expect(hook.received).toHaveLength(4);
      expect(errors).toEqual([]);
    } finally {
      await retrying.onApplicationShutdown();
      await hook.close();
    }
  });

  it('should give up after its attempts, log without the URL path, and never throw', async () => {
    const hook = await receiver([500, 500, 500, 500]);
    const sender = senderFor({ webhookUrl: `${hook.url}/hooks/very-secret-token` });
    try {
      expect(await sender.send(alert)).toBe(0);
      expect(hook.received).toHaveLength(3);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('HTTP 500');
      expect(errors[0]).toContain(hook.url);
      expect(errors[0]).not.toContain('very-secret-token');
      expect([...sender.deliveries('failed')]).toEqual([[{ alert_type: 'budget_alerts', channel: 'webhook' }, 1]]);
    } finally {
      await sender.onApplicationShutdown();
      await hook.close();
    }
  });

  it('should not retry a 4xx refusal of the body', async () => {
    const hook = await receiver([400]);
    const sender = senderFor({ webhookUrl: `${hook.url}/hook` });
    try {
      expect(await sender.send(alert)).toBe(0);
      expect(hook.received).toHaveLength(1);
    } finally {
      await sender.onApplicationShutdown();
      await hook.close();
    }
  });

  it('should dial through general_settings.egress_policy, and not retry what it refuses', async () => {
    const hook = await receiver([]);
    const sender = senderFor({ webhookUrl: `${hook.url}/hook` }, ['127.0.0.0/8']);
    try {
      expect(await sender.send(alert)).toBe(0);
      expect(hook.received).toHaveLength(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('egress_policy.deny');
    } finally {
      await sender.onApplicationShutdown();
      await hook.close();
    }
  });
});

function senderSettings(): AlertingSettings {
  return {
    enabled: true,
    types: ['budget_alerts'],
    slack: {
      budget_alerts: [],
      cooldown_deployment: [],
      new_virtual_key_created: [],
      new_internal_user_created: [],
      llm_too_slow: [],
      llm_requests_hanging: [],
      outage_alerts: [],
      spend_reports: [],
    },
    webhookUrl: null,
    email: false,
    budgetThresholds: [50],
    slowRequestSeconds: 300,
    cooldownAlertIntervalMs: 60_000,
    outage: { ttlMs: 60_000, minor: 5, major: 10 },
    spendReport: { intervalMs: 86_400_000, emails: [] },
  };
}
