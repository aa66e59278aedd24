import { Injectable, Logger } from '@nestjs/common';
import type { CallObserver, SettledCall } from './call-observer';
import { LitellmMetrics } from './litellm-metrics';

/**
 * The pipeline's one CALL_OBSERVER: tells every registered observer of each settled call (and those that watch
 * calls in flight of each started one). LiteLLM's metrics are
 * always registered; other modules (alerting) register themselves at init, so observability and the pipeline
 * import none of them. `active` is true while any observer listens, and is kept as a field: the pipeline reads it
 * on every call.
 */
@Injectable()
export class CallObservers implements CallObserver {
  private readonly logger = new Logger('CallObservers');
  private observers: CallObserver[] = [];
  /** The observers that implement `started` (most do not: a started call then costs one empty loop). */
  private starters: CallObserver[] = [];
  private listening = false;

  constructor(metrics: LitellmMetrics) {
    this.register(metrics);
  }

  get active(): boolean {
    return this.listening;
  }

  /** Adds an observer; one that is not active when registered is never told (its activity is fixed at boot). */
  register(observer: CallObserver): void {
    if (!observer.active || this.observers.includes(observer)) return;
    this.observers = [...this.observers, observer];
    if (observer.started) this.starters = [...this.starters, observer];
    this.listening = true;
  }

  started(callId: string, requestedModel: string): void {
    for (const observer of this.starters) {
      try {
        observer.started?.(callId, requestedModel);
      } catch (error) {
        this.logger.error(`call observer failed: ${error instanceof Error ? error.name : typeof error}`);
      }
    }
  }

  settled(call: SettledCall): void {
    for (const observer of this.observers) {
      try {
        observer.settled(call);
      } catch (error) {
        // An observer promised not to throw; one that does must not hide the call from the others.
        this.logger.error(`call observer failed: ${error instanceof Error ? error.name : typeof error}`);
      }
    }
  }
}
