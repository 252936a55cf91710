/**
 * The main thread's side of SQS's hot calls on the SQLite writer thread (queue-writes.ts runs them there): each call
 * becomes a job that rides with ingest's next group (SqliteStore), and its answer comes back before that group's
 * events are written.
 *
 * What stays here is what needs the keyring: a send's data keys are picked here (Sealer.dataKey checks the KMS
 * key's state and counts the seal), so a key that cannot be used refuses the send before anything is written, and
 * the thread only runs the cipher. A receive the thread cannot open (a KMS key not usable now, or a data key it
 * lacks) is undone there and comes back as the record it met: opening that here throws the KeyError, or hands the
 * thread the data key, and the receive goes again.
 */
import { SQS_MANAGED_KEY } from '../../keys/key-refs.js';
import type { DataKey, Sealer } from '../../keys/sealer.js';
import type { HandleResult, NewQueueMessage, ReceivedMessage, ReceiveRequest } from '../queues.js';
import { packSends, unpackReceived, type QueueReply, type QueueWork, type ReceiveAnswer, type SendAnswer } from './queue-protocol.js';
import type { ThreadKeys } from './thread-keys.js';
import type { WalSync } from './wal-sync.js';
import { fromWire, isWireError, type WireError } from './wire-error.js';

/** One SQS call on its way to the thread; `done` is called once it has its answer (or the thread died). */
export type QueueJob = (
  | { send: NewQueueMessage[]; dataKeys: (DataKey | undefined)[]; handOverAgain: boolean; answer?: SendAnswer }
  | { receive: ReceiveRequest; answer?: ReceiveAnswer }
  | { remove: { queue: string; handles: string[] }; answer?: HandleResult[] | WireError }
) & { done: (error?: Error) => void };

/** Sends a job with the next group; resolves with it once answered. */
export type SubmitQueueJob = <J extends QueueJob>(job: Omit<J, 'done'>) => Promise<J>;

type SendJob = Extract<QueueJob, { send: NewQueueMessage[] }>;
type ReceiveJob = Extract<QueueJob, { receive: ReceiveRequest }>;
type RemoveJob = Extract<QueueJob, { remove: unknown }>;

/** A bound on a receive's rounds for data keys (each round hands over one more; see receive). */
const MAX_RECEIVE_ROUNDS = 64;

export function isQueueJob(job: object): job is QueueJob {
  return 'send' in job || 'receive' in job || 'remove' in job;
}

/** The group's SQS calls as work for the thread; hands it the sealing data keys it does not have yet. */
export function queueWork(jobs: QueueJob[], threadKeys: ThreadKeys): QueueWork {
  const sends = jobs.filter((j): j is SendJob => 'send' in j);
  return {
    sends: packSends(sends.map((j) => ({ messages: j.send, keys: j.dataKeys.map((k) => k && { head: threadKeys.sealingHead(k, j.handOverAgain), keyId: k.keyId }) }))),
    receives: jobs.filter((j): j is ReceiveJob => 'receive' in j).map((j) => j.receive),
    deletes: jobs.filter((j): j is RemoveJob => 'remove' in j).map((j) => j.remove),
  };
}

/**
 * Gives the jobs the answers this reply has, in the order queueWork packed them (a reply may hold only some kinds
 * of call: QueueReply).
 */
export function answerQueueJobs(jobs: QueueJob[], reply: QueueReply): void {
  let s = 0;
  let r = 0;
  let d = 0;
  for (const j of jobs) {
    if ('send' in j) {
      if (!reply.sends) continue;
      j.answer = reply.sends[s++];
    } else if ('receive' in j) {
      if (!reply.receives) continue;
      j.answer = reply.receives[r++];
    } else {
      if (!reply.deletes) continue;
      j.answer = reply.deletes[d++];
    }
    j.done();
  }
}

export class QueueOffload {
  readonly #submit: SubmitQueueJob;
  readonly #sealer: Sealer;
  readonly #threadKeys: ThreadKeys;
  readonly #walSync: WalSync;

  constructor(submit: SubmitQueueJob, sealer: Sealer, threadKeys: ThreadKeys, walSync: WalSync) {
    this.#submit = submit;
    this.#sealer = sealer;
    this.#threadKeys = threadKeys;
    this.#walSync = walSync;
  }

  /** Durable before it resolves: the thread commits without an fsync, then the WAL's shared one (WalSync) follows. */
  async send(messages: NewQueueMessage[]): Promise<boolean> {
    const dataKeys = () => messages.map((m) => (m.keyRef === null ? undefined : this.#sealer.dataKey(m.keyRef ?? SQS_MANAGED_KEY, m.dataKeyReuseSeconds)));
    let job = await this.#submit<SendJob>({ send: messages, dataKeys: dataKeys(), handOverAgain: false });
    // The thread refused a data key: its KMS key was disabled meanwhile (picking the keys again throws the
    // KeyError), or the thread dropped the key (it keeps a bounded number): once more, handing it over again.
    if (job.answer === 'need-key') job = await this.#submit<SendJob>({ send: messages, dataKeys: dataKeys(), handOverAgain: true });
    const answer = job.answer!;
    if (answer === 'need-key') throw new Error('The SQLite writer thread did not take the data key handed to it.');
    if (typeof answer === 'object') throw fromWire(answer);
    if (answer) await this.#walSync.sync();
    return answer;
  }

  /**
   * Each round the thread meets at most one record it cannot open (after a restart, one per data key in the
   * receive's window): that key is handed over and the receive goes again. A record whose key was handed over in
   * this call and still does not open on the thread is opened here, which says why (a KeyError).
   */
  async receive(request: ReceiveRequest): Promise<ReceivedMessage[]> {
    const handedOver = new Set<string>();
    for (let round = 1; round <= MAX_RECEIVE_ROUNDS; round++) {
      const answer = (await this.#submit<ReceiveJob>({ receive: request })).answer!;
      if (isWireError(answer)) throw fromWire(answer);
      if (!('needKey' in answer)) return unpackReceived(answer);
      const blob = Buffer.from(answer.needKey);
      // Throws the KeyError when its KMS key cannot be used now.
      const opening = this.#sealer.openingKey(blob);
      if (handedOver.has(opening.head)) {
        this.#sealer.open(blob);
        break;
      }
      handedOver.add(opening.head);
      this.#threadKeys.learn(opening);
    }
    throw new Error('The SQLite writer thread could not open messages that open on the main thread.');
  }

  async delete(queue: string, handles: string[]): Promise<HandleResult[]> {
    const answer = (await this.#submit<RemoveJob>({ remove: { queue, handles } })).answer!;
    if (!Array.isArray(answer)) throw fromWire(answer);
    return answer;
  }
}
