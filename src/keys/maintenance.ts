/**
 * What time does to keys, on the injected clock: keys past their deletion date are deleted and keys due for
 * automatic rotation rotate (Keyring.maintain). It runs at start, so what fell due while Mailroom was down happens
 * at once, and then at the next time a customer key falls due, re-armed whenever the keyring changes. AWS managed
 * keys (yearly rotation) are not worth a timer of their own: they rotate at the first run after they are due.
 * With nothing due, no timer is pending, like every other timer in Mailroom.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Keyring } from './keyring.js';

export interface MaintenanceLog {
  error(details: object, message: string): void;
}

export class KeyMaintenance {
  #timer: TimerHandle | undefined;
  #running: Promise<void>;
  #stopped = false;

  constructor(
    private readonly keyring: Keyring,
    private readonly clock: Clock,
    private readonly log: MaintenanceLog,
  ) {
    keyring.onChange(() => this.#schedule());
    this.#running = this.#run();
  }

  /** Cancels the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#running;
  }

  async #run(): Promise<void> {
    try {
      await this.keyring.maintain();
    } catch (err) {
      // The next run tries again; keys only wait a little longer for their rotation or deletion.
      this.log.error({ err }, 'key maintenance failed');
    }
    this.#schedule();
  }

  #schedule(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#stopped) return;
    let next: number | undefined;
    for (const key of this.keyring.keys()) {
      if (key.manager !== 'CUSTOMER') continue;
      const due = key.state === 'PendingDeletion' ? key.deletionDate : key.state === 'Enabled' ? key.nextRotationAt : undefined;
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    if (next !== undefined) this.#timer = this.clock.setTimer(next - this.clock.now(), () => (this.#running = this.#running.then(() => this.#run())));
  }
}
