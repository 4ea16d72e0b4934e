/**
 * Runs `tick` every `intervalMs`, never two at once: the next run is scheduled when the
 * previous one settles, so a slow Redis cannot pile beats up. Its timer never keeps the
 * process alive.
 */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
  ) {}

  /** Whether the loop is started. */
  get active(): boolean {
    return this.running;
  }

  /** Starts the loop; the first tick comes one interval from now. No-op when running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the loop and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** Waits for a tick in progress, if any. */
  idle(): Promise<void> {
    return this.current;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.tick().finally(() => {
        if (this.running) this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }
}
