import { DomainError } from '../common/errors/domain-error';

/** Why an upstream call was aborted; adapters turn a timeout into a 408 and a client abort into nothing. */
export class UpstreamTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Request timed out after ${timeoutMs / 1000}s`);
    this.name = 'UpstreamTimeout';
  }
}

/**
 * The client left before the answer: nothing can be sent, so this is not a server failure. It renders as
 * nginx's 499 (never seen by the gone client) and is not logged as an error.
 */
export class ClientDisconnected extends DomainError {
  constructor() {
    super('GW_CLIENT_DISCONNECTED', 'Client closed the connection', { status: 499, type: 'client_closed_request' });
  }
}

/**
 * One AbortController per LLM call, fired by the client going away or by the deadline. `extend()` lets
 * a stream that has started trade the first-byte deadline for the idle timeout of the transport.
 */
export class UpstreamCallControl {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private readonly onParentAbort?: () => void;

  /** `parent` (the client's side) aborts this call too; each retry of one request gets its own control. */
  constructor(
    readonly timeoutMs: number,
    private readonly parent?: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.controller.abort(new UpstreamTimeout(timeoutMs)), timeoutMs);
    this.timer.unref();
    if (parent) {
      if (parent.aborted) this.controller.abort(parent.reason);
      else {
        this.onParentAbort = () => this.controller.abort(parent.reason);
        parent.addEventListener('abort', this.onParentAbort, { once: true });
      }
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  clientDisconnected(): void {
    this.controller.abort(new ClientDisconnected());
  }

  clearDeadline(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.clearDeadline();
    if (this.onParentAbort) this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
