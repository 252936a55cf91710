/**
 * The library entry: `createMailroom()` opens the store and builds the services, in-process, without HTTP.
 * The server (`mailroom serve`) is this plus the protocol adapters on one port.
 *
 *   await using mailroom = await createMailroom({ dataDir: './.mailroom' });
 *   await mailroom.eventBridge.events.put({ Entries: [...] }, mailroom.context());
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { SystemClock, type Clock } from './clock.js';
import { EventBridge, Router } from './events/index.js';
import { ACCOUNT_ID, DEFAULT_REGION, type RequestContext } from './protocols/context.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';

export interface MailroomOptions {
  /** Where the embedded SQLite store keeps its files; created if missing. */
  dataDir: string;
  /** Defaults to the system clock; tests pass a ManualClock, the server a ScaledClock. */
  clock?: Clock;
  /** Region used for in-process calls' ARNs (requests over HTTP take theirs from the signature). */
  region?: string;
  logger?: Logger;
}

export interface Mailroom extends AsyncDisposable {
  readonly clock: Clock;
  readonly store: Store;
  readonly logger: Logger;
  readonly eventBridge: EventBridge;
  /** A request context for in-process calls. */
  context(): RequestContext;
  /** Closes the store; a second call returns the same promise. */
  close(): Promise<void>;
}

export async function createMailroom(options: MailroomOptions): Promise<Mailroom> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? pino({ level: 'silent' });
  const region = options.region ?? DEFAULT_REGION;
  const store = await openStore({ dataDir: options.dataDir, clock });
  const eventBridge = new EventBridge({ store, clock, router: new Router(store) });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= store.close());
  return {
    clock,
    store,
    logger,
    eventBridge,
    context: () => ({ region, accountId: ACCOUNT_ID, requestId: randomUUID() }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
