/**
 * The delivery engine's hot writes, run on the SQLite writer thread (writer-thread.ts) beside ingest's group
 * commits: claiming due deliveries under a lease (opening their events, see OpeningKeys), and settling outcomes
 * that change nothing but a delivery's state.
 * They were most of the main thread's work per delivery (docs/benchmarks.md); here they cost the event loop only
 * the messages (delivery-protocol.ts).
 *
 * Both commit with synchronous=NORMAL (WriterWork sets it), as they did on the main connection (see SqliteStore's
 * #outboxWrite): a claim or outcome lost to a power cut only repeats work. Ingest's transactions on this connection
 * stay FULL.
 */
import type Database from 'better-sqlite3';
import type { OpeningKeys } from '../../keys/opening-keys.js';
import type { ClaimRequest } from '../deliveries.js';
import type { DeliveryReply, DeliveryWork, PackedClaim, PackedSettle } from './delivery-protocol.js';
import { attempt, toWire, type WireError } from './wire-error.js';

/** A claimed row, as an array (the statement is raw: better-sqlite3 builds no object with named keys per row). */
type ClaimRow = [
  rowid: number,
  id: string,
  kind: string,
  eventId: string,
  bus: string,
  ruleName: string,
  ruleArn: string,
  targetId: string,
  targetArn: string,
  attempts: number,
  createdAt: number,
  receivedAt: number,
  payload: Buffer,
  eventKeyId: string | null,
  input: Buffer | null,
  inputKeyId: string | null,
];

export class DeliveryWrites {
  readonly #claim;
  readonly #lease;
  readonly #settleByRow;
  readonly #claimTx;
  readonly #settleTx;
  readonly #keys: OpeningKeys;

  constructor(db: Database.Database, keys: OpeningKeys) {
    this.#keys = keys;
    // The (status, due_at) index serves the claim; skipped targets are filtered as the index is walked, and
    // they are few (those at their limit right now).
    this.#claim = db.prepare<[number, string, number], ClaimRow>(
      `SELECT d.rowid, d.id, d.kind, d.event_id, d.bus, d.rule_name, d.rule_arn, d.target_id, d.target_arn, d.attempts,
              d.created_at, e.received_at, e.payload, e.key_id AS event_key_id, d.input, d.key_id AS input_key_id
       FROM deliveries d JOIN events e ON e.seq = d.event_seq
       WHERE d.status = 'pending' AND d.due_at <= ? AND d.target_arn NOT IN (SELECT value FROM json_each(?))
       ORDER BY d.due_at LIMIT ?`,
    ).raw(true);
    // The lease is the due time pushed to the lease's end: if this process dies, the delivery simply falls due again.
    this.#lease = db.prepare<[number, string, number, number, number]>(
      'UPDATE deliveries SET due_at = ?, lease_owner = ?, lease_until = ?, updated_at = ? WHERE rowid = ?',
    );
    // By the rowid the claim handed out (measured about 40% cheaper than through the id's index); the id is still
    // checked, in case the rowid now names another row, and the lease fences it.
    this.#settleByRow = db.prepare<[string, number, number, number, number, string, string, number]>(
      `UPDATE deliveries SET status = ?, due_at = ?, attempts = ?, error = NULL, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE rowid = ? AND id = ? AND lease_owner = ? AND lease_until = ? AND status = 'pending'`,
    );

    this.#claimTx = db.transaction((r: ClaimRequest, usable: ReadonlySet<string>): PackedClaim => {
      const rows = this.#claim.all(r.now, JSON.stringify(r.skipTargets), r.limit);
      const strings: string[] = [];
      const numbers: number[] = [];
      const blobs: Buffer[] = [];
      for (const [rowid, id, kind, eventId, bus, ruleName, ruleArn, targetId, targetArn, attempts, createdAt, receivedAt, payload, eventKeyId, input, inputKeyId] of rows) {
        this.#lease.run(r.leaseUntil, r.owner, r.leaseUntil, r.now, rowid);
        strings.push(id, kind, eventId, bus, ruleName, ruleArn, targetId, targetArn, eventKeyId ?? '', inputKeyId ?? '');
        numbers.push(rowid, attempts, createdAt, receivedAt);
        const event = eventKeyId === null ? payload : this.#keys.open(payload, usable);
        const opened = input === null ? null : inputKeyId === null ? input : this.#keys.open(input, usable);
        if (event !== undefined && opened !== undefined) {
          strings.push(event.toString('utf8'), opened?.toString('utf8') ?? '');
          numbers.push(0, input === null ? -1 : 0, 1);
        } else {
          strings.push('', '');
          numbers.push(payload.length, input === null ? -1 : input.length, 0);
          blobs.push(payload);
          if (input !== null) blobs.push(input);
        }
      }
      return { strings, numbers, blobs: Buffer.concat(blobs) };
    });

    this.#settleTx = db.transaction(({ strings, numbers }: PackedSettle, now: number) => {
      const results: (0 | 1 | WireError)[] = [];
      for (let s = 0, n = 0; s < strings.length; s += 3, n += 4) {
        const status = strings[s];
        try {
          const changes = this.#settleByRow.run(status, status === 'pending' ? numbers[n] : now, numbers[n + 1], now, numbers[n + 2], strings[s + 1], strings[s + 2], numbers[n + 3]).changes;
          results.push(changes > 0 ? 1 : 0);
        } catch (error) {
          // One statement, which SQLite undoes by itself: the others in the batch still commit.
          if (!db.inTransaction) throw error;
          results.push(toWire(error));
        }
      }
      return results;
    });
  }

  /**
   * Runs the work, each claim and the settle in its own transaction; a failure is that part's answer alone.
   * `usable`: the KMS key versions whose records the claims may open now. The caller (WriterWork) has set the
   * connection's durability for it.
   */
  run(work: DeliveryWork, now: number, usable: ReadonlySet<string>): DeliveryReply {
    const reply: DeliveryReply = { claims: [] };
    // Settles first: they free the targets' slots the claims after them may fill.
    if (work.settle) reply.settled = attempt(() => this.#settleTx.immediate(work.settle!, now));
    for (const request of work.claims) reply.claims.push(attempt(() => this.#claimTx.immediate(request, usable)));
    return reply;
  }
}
