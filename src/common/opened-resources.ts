/**
 * What the application opened while it was being built (the database, its embedded engine and data-directory
 * lock). Nest closes providers only for an application that was built: when another provider fails first, the
 * factories still running finish after the failure and nobody owns what they opened, which kept a failed boot's
 * process alive. Each opening is tracked here with its closer, so a failed boot can wait for them and close them.
 */
export class OpenedResources {
  private readonly openings = new Set<Promise<void>>();
  private readonly closers: (() => Promise<void>)[] = [];
  private closing = false;

  /**
   * Registers something being opened. When it opens after `closeAll` began, it is closed at once and
   * the opening rejects, so the factory that asked for it does not go on with a dead resource.
   */
  track<T>(opening: Promise<T>, close: (resource: T) => Promise<void>): Promise<T> {
    const settled = opening.then(
      (resource) => {
        this.closers.push(() => close(resource));
      },
      () => undefined,
    );
    this.openings.add(settled);
    return opening.then(async (resource) => {
      if (this.closing) {
        await settled;
        throw new BootAbandonedError();
      }
      return resource;
    });
  }

  /** Waits for every opening still under way, then closes everything that opened, newest first; never throws. */
  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.all(this.openings);
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
  }
}

/** An opening that finished after the boot had already failed (its resource is closed again). */
export class BootAbandonedError extends Error {
  constructor() {
    super('the boot failed while this resource was being opened');
    this.name = 'BootAbandonedError';
  }
}
