import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { EmailSettings, TollgateConfig } from '../config/config.types';
import type { RenderedEmail } from './email-templates';

/** A mail waiting to go: what it is (for logs, which never name the recipient) and where to. */
export interface OutgoingEmail extends RenderedEmail {
  readonly to: string;
  /** `key_created`, `user_invitation`, `budget_alert`: what a log line about it says. */
  readonly kind: string;
}

/** Mails waiting beyond this are dropped and counted: an unreachable SMTP server must not grow memory. */
export const MAX_QUEUED_EMAILS = 1_000;
/** Tries per mail; waits double from the first between them. */
export const EMAIL_ATTEMPTS = 4;
const FIRST_RETRY_MS = 1_000;
/** How long a shutdown waits for queued mails. */
const DRAIN_ON_SHUTDOWN_MS = 5_000;

/**
 * Sends mail over SMTP off the request path: `send` queues and returns at once; one worker delivers in order,
 * retrying a failed mail with backoff. Recipients and contents never reach a log line; failures are logged by
 * kind and error class.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger('Email');
  private readonly settings?: EmailSettings;
  private readonly transport?: Transporter;
  private readonly queue: OutgoingEmail[] = [];
  private draining?: Promise<void>;
  private stopping = false;
  /** Mails dropped because the queue was full. */
  dropped = 0;
  /** Mails given up on after every attempt failed. */
  failed = 0;
  /** Mails the SMTP server accepted. */
  sent = 0;

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig) {
    this.settings = config.email;
    if (!this.settings) return;
    const { smtp } = this.settings;
    const implicitTls = smtp.port === 465;
    this.transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: implicitTls,
      requireTLS: !implicitTls && smtp.startTls,
      ignoreTLS: !implicitTls && !smtp.startTls,
      auth: smtp.username ? { user: smtp.username, pass: smtp.password ?? '' } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  /** Whether mail is configured (`alerting: ["email"]` with an SMTP server). */
  get enabled(): boolean {
    return this.transport !== undefined;
  }

  /** Queues a mail; never throws, never waits. Dropped (and counted) when mail is off or the queue is full. */
  send(email: OutgoingEmail): void {
    if (!this.transport || this.stopping) return;
    if (this.queue.length >= MAX_QUEUED_EMAILS) {
      this.dropped += 1;
      this.logger.warn(`${email.kind} mail dropped: ${MAX_QUEUED_EMAILS} mails are already waiting for the SMTP server`);
      return;
    }
    this.queue.push(email);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves once every queued mail was sent or given up on (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DRAIN_ON_SHUTDOWN_MS);
      timer.unref();
    });
    await Promise.race([this.idle(), deadline]);
    clearTimeout(timer);
    if (this.queue.length > 0) this.logger.warn(`${this.queue.length} mail(s) not sent at shutdown`);
    this.transport?.close();
  }

  private async drain(): Promise<void> {
    for (let email = this.queue.shift(); email; email = this.queue.shift()) await this.deliver(email);
  }

  private async deliver(email: OutgoingEmail): Promise<void> {
    const transport = this.transport;
    const settings = this.settings;
    if (!transport || !settings) return;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await transport.sendMail({ from: settings.sender, to: email.to, subject: email.subject, html: email.html, text: email.text });
        this.sent += 1;
        return;
      } catch (error) {
        const reason = describe(error);
        if (attempt >= EMAIL_ATTEMPTS || this.stopping) {
          this.failed += 1;
          this.logger.error(`${email.kind} mail not sent after ${attempt} attempt(s): ${reason}`);
          return;
        }
        this.logger.warn(`${email.kind} mail attempt ${attempt} failed (${reason}); retrying`);
        await sleep(FIRST_RETRY_MS * 2 ** (attempt - 1));
      }
    }
  }
}

/** The error's class and code (`ECONNREFUSED`, `EAUTH`), never its text: SMTP replies can echo addresses. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
