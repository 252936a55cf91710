/**
 * Redrive of EventBridge dead letters (beyond AWS): a dead letter — a message with RULE_ARN and TARGET_ARN, in a
 * queue or in the fallback store — goes back to the target it failed on as a new delivery with a fresh retry budget
 * and the original event. The new delivery is recorded and the dead letter deleted in one store transaction; the
 * deliveries are spread out at the requested rate (each is due 1/rate s after the previous), so a target that
 * has just recovered is not flooded, and the attempts then run and are recorded like any other delivery's.
 *
 * Failures are loud: a dead letter that cannot be redriven (its rule or target is gone, it is not an EventBridge
 * dead letter) stays where it is, is reported per message, logged as an error and counted (`Mailroom/Redrive`
 * `RedriveFailures`).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { ServiceError } from '../errors.js';
import type { Router } from '../events/router.js';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { AttemptRecord, FallbackDeadLetter } from '../store/deliveries.js';
import type { RedriveItem, StoredMessage } from '../store/redrive.js';
import type { Store } from '../store/store.js';

/** The default and the highest rate (dead letters per second) a redrive puts deliveries back at. */
export const DEFAULT_REDRIVE_RATE = 10;
export const MAX_REDRIVE_RATE = 500;

const PAGE = 100;
const FALLBACK_LIMIT = 1000;

/** The EventBridge attributes of a dead letter (and Mailroom's own), when the message is one. */
export interface DeadLetterReason {
  ruleArn: string;
  targetArn: string;
  errorCode?: string;
  errorMessage?: string;
  exhaustedRetryCondition?: string;
  retryAttempts?: number;
  /** The delivery that failed: its attempt history is kept. */
  deliveryId?: string;
}

/** A queue message as the dead-letter admin API shows it; reading it changes nothing about it. */
export interface DeadLetterView {
  messageId: string;
  sentAt: string;
  /** False while delayed or received by someone (in flight). */
  visible: boolean;
  receiveCount: number;
  body: string;
  /** Every message attribute, as text (binary ones in base64). */
  attributes: Record<string, string>;
  deadLetterSourceArn?: string;
  /** Present on EventBridge dead letters. */
  deadLetter?: DeadLetterReason;
}

export interface RedriveOptions {
  /** Only these messages (by MessageId; for the fallback store, by delivery id); all by default. */
  ids?: string[];
  /** Deliveries per second (default DEFAULT_REDRIVE_RATE, at most MAX_REDRIVE_RATE). */
  ratePerSecond?: number;
}

export interface RedriveReport {
  redriven: { id: string; deliveryId: string; dueAt: string }[];
  failed: { id: string; reason: string }[];
}

export interface RedriveServiceOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  router: Router;
  metrics: MetricRecorder;
  /** Called once new deliveries are recorded (wakes the dispatcher). */
  recorded: () => void;
}

/** A dead letter on its way back: where it is kept, its id for the report, its body and attributes. */
interface Letter {
  id: string;
  ref: RedriveItem['deadLetter'];
  body: string;
  attributes: Record<string, string>;
}

export class RedriveService {
  constructor(private readonly o: RedriveServiceOptions) {}

  /** The queue's messages, oldest first, without receiving them. */
  async list(queue: string, page: { after?: string; limit: number }): Promise<{ messages: DeadLetterView[]; nextToken?: string }> {
    await this.#requireQueue(queue);
    const found = await this.o.store.peekMessages(queue, this.o.clock.now(), page);
    const out: { messages: DeadLetterView[]; nextToken?: string } = { messages: found.items.map((m) => this.#view(m)) };
    if (found.after !== undefined) out.nextToken = found.after;
    return out;
  }

  /** One message with every attribute and, for a dead letter, the failed delivery's attempt history. */
  async show(queue: string, messageId: string): Promise<{ message: DeadLetterView; attempts: AttemptRecord[] }> {
    await this.#requireQueue(queue);
    const found = await this.o.store.findMessage(queue, messageId, this.o.clock.now());
    if (!found) throw new ServiceError('ResourceNotFoundException', `Queue ${queue} has no message ${messageId}.`);
    const message = this.#view(found);
    const deliveryId = message.deadLetter?.deliveryId;
    return { message, attempts: deliveryId === undefined ? [] : await this.o.store.attemptHistory(deliveryId) };
  }

  /** Redrives the queue's dead letters (all of them as they are now, or the given ones). */
  async redrive(queue: string, options: RedriveOptions = {}): Promise<RedriveReport> {
    const rate = checkRate(options.ratePerSecond);
    await this.#requireQueue(queue);
    const run = new RedriveRun(this.o, rate, { QueueName: queue });
    const toLetter = (m: StoredMessage): Letter => ({ id: m.messageId, ref: { queue, ref: m.ref, messageId: m.messageId }, body: m.body, attributes: flatten(m) });
    if (options.ids) {
      const letters: Letter[] = [];
      for (const id of new Set(options.ids)) {
        const found = await this.o.store.findMessage(queue, id, this.o.clock.now());
        if (found) letters.push(toLetter(found));
        else run.fail(id, `Queue ${queue} has no message ${id}.`);
      }
      return run.redriveAll(letters);
    }
    // The messages there now: those appended later (a redriven event failing again, say) come after them, so
    // stopping at the count taken first keeps a redrive from chasing its own dead letters.
    const counts = await this.o.store.queueCounts(queue, this.o.clock.now());
    let left = counts.visible + counts.inFlight + counts.delayed;
    let after: string | undefined;
    while (left > 0) {
      const page = await this.o.store.peekMessages(queue, this.o.clock.now(), { after, limit: Math.min(PAGE, left) });
      if (page.items.length === 0) break;
      left -= page.items.length;
      after = page.items[page.items.length - 1]!.ref;
      if (!(await run.redrive(page.items.map(toLetter)))) break;
    }
    return run.report();
  }

  /** The same for dead letters kept in the fallback store (by delivery id), newest first, up to 1000 a call. */
  async redriveFallback(options: RedriveOptions = {}): Promise<RedriveReport> {
    const rate = checkRate(options.ratePerSecond);
    const run = new RedriveRun(this.o, rate, { DeadLetterStore: 'fallback' });
    const kept = await this.o.store.listFallbackDeadLetters(FALLBACK_LIMIT);
    const wanted = options.ids && new Set(options.ids);
    // Records of function destinations share the fallback store; only EventBridge dead letters go back to a target.
    const letters = kept.filter((f: FallbackDeadLetter) => (wanted ? wanted.has(f.deliveryId) : f.attributes.RULE_ARN !== undefined));
    for (const id of wanted ?? []) if (!letters.some((f) => f.deliveryId === id)) run.fail(id, `The fallback store has no dead letter of delivery ${id}.`);
    return run.redriveAll(letters.map((f): Letter => ({ id: f.deliveryId, ref: { fallbackDeliveryId: f.deliveryId }, body: f.body, attributes: f.attributes })));
  }

  /** Deletes every message of the queue, as PurgeQueue does; an operator's tool, so without its once-a-minute limit. */
  async purge(queue: string): Promise<void> {
    if (!(await this.o.store.purgeQueue(queue, this.o.clock.now()))) throw noQueue(queue);
    this.o.logger.info({ queue }, 'queue purged through the admin API');
  }

  async #requireQueue(queue: string): Promise<void> {
    if (!(await this.o.store.getQueue(queue))) throw noQueue(queue);
  }

  #view(m: StoredMessage): DeadLetterView {
    const attributes = flatten(m);
    const view: DeadLetterView = {
      messageId: m.messageId,
      sentAt: new Date(m.sentAt).toISOString(),
      visible: m.visibleAt <= this.o.clock.now(),
      receiveCount: m.receiveCount,
      body: m.body,
      attributes,
    };
    if (m.deadLetterSourceArn !== undefined) view.deadLetterSourceArn = m.deadLetterSourceArn;
    const reason = reasonOf(attributes);
    if (reason) view.deadLetter = reason;
    return view;
  }
}

/**
 * One redrive call: resolves each dead letter's rule and target, writes a chunk at a time, spaces the deliveries
 * at the rate, and keeps the report.
 */
class RedriveRun {
  readonly #report: RedriveReport = { redriven: [], failed: [] };
  readonly #start: number;
  #next = 0;

  constructor(
    private readonly o: RedriveServiceOptions,
    private readonly rate: number,
    private readonly dimensions: Record<string, string>,
  ) {
    this.#start = o.clock.now();
  }

  fail(id: string, reason: string): void {
    this.#report.failed.push({ id, reason });
    this.o.logger.error({ ...this.dimensions, id, reason }, 'dead letter could not be redriven; it stays where it was');
    this.o.metrics.add('Mailroom/Redrive', 'RedriveFailures', this.dimensions, 1);
  }

  /** Redrives the letters a chunk at a time, stopping if the store fails, and reports. */
  async redriveAll(letters: Letter[]): Promise<RedriveReport> {
    for (let i = 0; i < letters.length; i += PAGE) if (!(await this.redrive(letters.slice(i, i + PAGE)))) break;
    return this.report();
  }

  /** Redrives a chunk in one transaction; false when the store failed (the chunk is reported, the run should stop). */
  async redrive(letters: Letter[]): Promise<boolean> {
    const items: { letter: Letter; item: RedriveItem }[] = [];
    for (const letter of letters) {
      const planned = await this.#plan(letter);
      if (typeof planned === 'string') this.fail(letter.id, planned);
      else items.push({ letter, item: planned });
    }
    if (items.length === 0) return true;
    let results;
    try {
      results = await this.o.store.redriveDeadLetters(items.map((i) => i.item), this.o.clock.now());
    } catch (err) {
      for (const { letter } of items) this.fail(letter.id, `Could not record the redrive: ${(err as Error).message}`);
      return false;
    }
    results.forEach((result, i) => {
      const { letter, item } = items[i]!;
      if ('gone' in result) return this.fail(letter.id, 'The dead letter is no longer there (deleted, expired or redriven meanwhile).');
      this.#report.redriven.push({ id: letter.id, deliveryId: result.deliveryId, dueAt: new Date(item.delivery.dueAt).toISOString() });
      this.o.metrics.add('Mailroom/Redrive', 'RedrivenDeadLetters', this.dimensions, 1);
    });
    this.o.recorded();
    return true;
  }

  report(): RedriveReport {
    const { redriven, failed } = this.#report;
    if (redriven.length > 0) this.o.logger.info({ ...this.dimensions, redriven: redriven.length, failed: failed.length, ratePerSecond: this.rate }, 'dead letters redriven');
    return this.#report;
  }

  /** The new delivery for a dead letter, or why there can be none. */
  async #plan(letter: Letter): Promise<RedriveItem | string> {
    const reason = reasonOf(letter.attributes);
    if (!reason) return 'Not an EventBridge dead letter (it has no RULE_ARN and TARGET_ARN attributes); move it with StartMessageMoveTask instead.';
    const eventId = eventIdOf(letter.body);
    if (eventId === undefined) return 'The dead letter body is not an EventBridge event (JSON with an id).';
    const rule = parseRuleArn(reason.ruleArn);
    if (!rule) return `RULE_ARN ${reason.ruleArn} is not an EventBridge rule ARN.`;
    // The routes are what the delivery will be attempted against, so a target found here is found then too.
    const routed = (await this.o.router.routes(rule.bus))?.rules.get(rule.name);
    if (!routed || routed.rule.arn !== reason.ruleArn) return `The rule ${reason.ruleArn} no longer exists.`;
    // Several targets of a rule may share an ARN: the failed delivery knows which one it was.
    const failed = reason.deliveryId && (await this.o.store.listDeliveries({ eventId, limit: 1000 })).find((d) => d.id === reason.deliveryId);
    const targets = routed.targets.filter((t) => t.arn === reason.targetArn);
    const target = targets.find((t) => failed && t.id === failed.targetId) ?? targets[0];
    if (!target) return `The rule ${reason.ruleArn} no longer has a target ${reason.targetArn}.`;
    const dueAt = Math.round(this.#start + (this.#next++ * 1000) / this.rate);
    return {
      deadLetter: letter.ref,
      delivery: { kind: 'target', eventId, bus: rule.bus, ruleName: rule.name, ruleArn: reason.ruleArn, targetId: target.id, targetArn: target.arn, dueAt },
      event: { id: eventId, bus: rule.bus, payload: letter.body },
    };
  }
}

function checkRate(rate: number | undefined): number {
  if (rate === undefined) return DEFAULT_REDRIVE_RATE;
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_REDRIVE_RATE) {
    throw new ServiceError('ValidationException', `rate must be a number of dead letters per second greater than 0 and at most ${MAX_REDRIVE_RATE}; got ${rate}.`);
  }
  return rate;
}

function noQueue(queue: string): ServiceError {
  return new ServiceError('QueueDoesNotExist', `The queue ${queue} does not exist.`);
}

/** Message attributes as text: String and Number values as they are, Binary ones in base64. */
function flatten(m: StoredMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, a] of Object.entries(m.attributes)) out[name] = a.StringValue ?? a.BinaryValue ?? '';
  return out;
}

function reasonOf(a: Record<string, string>): DeadLetterReason | undefined {
  if (a.RULE_ARN === undefined || a.TARGET_ARN === undefined) return undefined;
  const reason: DeadLetterReason = { ruleArn: a.RULE_ARN, targetArn: a.TARGET_ARN };
  if (a.ERROR_CODE !== undefined) reason.errorCode = a.ERROR_CODE;
  if (a.ERROR_MESSAGE !== undefined) reason.errorMessage = a.ERROR_MESSAGE;
  if (a.EXHAUSTED_RETRY_CONDITION !== undefined) reason.exhaustedRetryCondition = a.EXHAUSTED_RETRY_CONDITION;
  if (a.RETRY_ATTEMPTS !== undefined) reason.retryAttempts = Number(a.RETRY_ATTEMPTS);
  if (a.MAILROOM_DELIVERY_ID !== undefined) reason.deliveryId = a.MAILROOM_DELIVERY_ID;
  return reason;
}

function eventIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A rule ARN's bus and name: `rule/<name>` is on the default bus, `rule/<bus>/<name>` on a custom one. */
function parseRuleArn(arn: string): { bus: string; name: string } | undefined {
  const m = /^arn:aws[a-z-]*:events:[a-z0-9-]*:\d{12}:rule\/(?:([^/]+)\/)?([^/]+)$/.exec(arn);
  return m ? { bus: m[1] ?? 'default', name: m[2]! } : undefined;
}
