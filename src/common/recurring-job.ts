import type { SchedulerRegistry } from '@nestjs/schedule';

/** How long after boot a daily job first runs, so a gateway restarted every day still runs it. */
const FIRST_RUN_DELAY_MS = 5_000;

/**
 * A maintenance job (retention) on `@nestjs/schedule`'s registry: every `intervalMs` and once soon after boot, never
 * two runs at once, and `stop()` waits for a run in progress. `run(now)` is public through `runOnce` so tests pass
 * their own clock.
 */
export class RecurringJob<T> {
  private running?: Promise<T>;
  private firstRun?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly scheduler: SchedulerRegistry,
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly idle: T,
    private readonly run: (now: Date) => Promise<T>,
  ) {}

  start(): void {
    const timer = setInterval(() => void this.runOnce(), this.intervalMs);
    timer.unref();
    this.scheduler.addInterval(this.name, timer);
    this.firstRun = setTimeout(() => void this.runOnce(), FIRST_RUN_DELAY_MS).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.firstRun);
    if (this.scheduler.doesExist('interval', this.name)) this.scheduler.deleteInterval(this.name);
    await this.running;
  }

  /** Runs now, or joins the run in progress; after `stop()` does nothing. */
  runOnce(now = new Date()): Promise<T> {
    if (this.stopped) return Promise.resolve(this.idle);
    this.running ??= this.run(now).finally(() => (this.running = undefined));
    return this.running;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
