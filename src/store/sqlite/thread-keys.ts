/**
 * The main thread's side of OpeningKeys (src/keys/opening-keys.ts): which data keys the SQLite writer thread has
 * been given, and which of their KMS key versions it may use right now. Each piece of work for the thread carries
 * the keys learned since the last one and the usable versions, checked against the keyring then, so disabling a
 * key stops the thread's opening (and sealing) with the next work, as it stops this thread's at once.
 * One instance per store: the delivery engine's claims and SQS's sends and receives share the thread's keys.
 */
import { KeyError } from '../../keys/errors.js';
import { keyVersion, toWireOpeningKey, type WireOpeningKey } from '../../keys/opening-keys.js';
import type { DataKey, OpeningKey, Sealer } from '../../keys/sealer.js';

export class ThreadKeys {
  readonly #sealer: Sealer;
  /** The KMS key versions whose data keys the thread was given. */
  readonly #versions = new Map<string, { keyId: string; version: number }>();
  /** Data keys to give the thread with the next work, by their head. */
  readonly #newKeys = new Map<string, WireOpeningKey>();
  /** The heads of sealing data keys already handed over (a data key seals for minutes: once is enough). */
  readonly #sealing = new WeakMap<DataKey, string>();

  constructor(sealer: Sealer) {
    this.#sealer = sealer;
  }

  /** Hands the thread a data key this thread opened a record with. */
  learn(opening: OpeningKey): void {
    this.#newKeys.set(opening.head, toWireOpeningKey(opening));
    this.#versions.set(keyVersion(opening.keyId, opening.version), { keyId: opening.keyId, version: opening.version });
  }

  /**
   * The head by which the thread knows `dataKey`, a sealing data key picked here (its KMS key's state checked and
   * the seal counted by Sealer.dataKey): handed over with the next work the first time. `again` hands it over
   * once more (the thread may have dropped it: OpeningKeys holds a bounded number).
   */
  sealingHead(dataKey: DataKey, again = false): string {
    let head = this.#sealing.get(dataKey);
    if (head === undefined || again) {
      head = dataKey.head.toString('latin1');
      this.#sealing.set(dataKey, head);
      this.learn({ keyId: dataKey.keyId, version: dataKey.version, head, key: dataKey.key });
    }
    return head;
  }

  /** What the next work carries: the keys learned since the last, and the versions usable now. */
  work(): { keys: WireOpeningKey[]; usable: string[] } {
    const keys = [...this.#newKeys.values()];
    this.#newKeys.clear();
    const usable: string[] = [];
    for (const [name, { keyId, version }] of this.#versions) {
      try {
        this.#sealer.keyring.openingMaterial(keyId, version);
        usable.push(name);
      } catch (err) {
        if (!(err instanceof KeyError)) throw err;
      }
    }
    return { keys, usable };
  }
}
