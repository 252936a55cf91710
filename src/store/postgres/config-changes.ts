/**
 * The configuration change log on PostgreSQL (ConfigChangeStore). Control-plane writes run through `write`, which
 * appends their changes in the same transaction and notifies `mailroom_config` (delivered at the commit).
 *
 * Readers go on from the last seq they have seen, so seq must grow in commit order — which an identity column alone
 * does not give: two transactions may take seqs 10 and 11 and commit 11 first, and a reader that saw 11 would never
 * look at 10. So the append takes an advisory lock held to the commit, as the transaction's last step: seqs are
 * taken one committing writer at a time, and a snapshot that shows a change shows every change before it. Only
 * control-plane writes queue on it, and each holds it for one insert.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import type { ConfigChange, NewConfigChange } from '../config-changes.js';
import { columns, compact, transaction } from './database.js';
import { WAKE_CHANNELS } from './wake-ups.js';

/** The advisory lock of the log's appends: "mrconfig" as a 64-bit integer, beside the migrations' lock. */
const CONFIG_LOCK = '7886776884773423719';

export class ConfigChanges {
  constructor(
    private readonly pool: pg.Pool,
    private readonly origin: string,
    private readonly clock: Clock,
  ) {}

  /** Runs `fn` in a transaction and, before its commit, appends the changes its result made. */
  write<R>(fn: (client: pg.PoolClient) => Promise<R>, changes: (result: R) => NewConfigChange[]): Promise<R> {
    return transaction(this.pool, async (client) => {
      const result = await fn(client);
      const logged = changes(result);
      if (logged.length > 0) {
        await client.query('SELECT pg_advisory_xact_lock($1)', [CONFIG_LOCK]);
        await client.query(
          `WITH logged AS (
             INSERT INTO config_changes (kind, bus, name, origin, at)
             SELECT kind, bus, name, $4, $5 FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c (kind, bus, name, n) ORDER BY n
             RETURNING 1
           )
           SELECT pg_notify('${WAKE_CHANNELS.config}', '') FROM (SELECT 1 FROM logged LIMIT 1) AS any_logged`,
          [...columns(logged, [(c) => c.kind, (c) => c.bus ?? null, (c) => c.name]), this.origin, this.clock.now()],
        );
      }
      return result;
    });
  }

  async latest(): Promise<number> {
    const { rows } = await this.pool.query<{ seq: number }>(
      'SELECT greatest((SELECT max(seq) FROM config_changes), (SELECT through FROM config_changes_pruned)) AS seq',
    );
    return rows[0]!.seq;
  }

  /** One statement, so the changes and the prune mark are of the same snapshot. */
  async read(after: number, limit: number): Promise<{ changes: ConfigChange[]; missed: boolean }> {
    const { rows } = await this.pool.query<{ missed: boolean; seq: number | null }>(
      `SELECT $1 < p.through AS missed, c.* FROM config_changes_pruned p LEFT JOIN LATERAL (
         SELECT seq, kind, bus, name, origin, at FROM config_changes WHERE seq > $1 ORDER BY seq LIMIT $2
       ) AS c ON true`,
      [after, limit],
    );
    const changes = rows.flatMap(({ missed: _missed, ...change }) => (change.seq === null ? [] : [compact<ConfigChange>(change)])).sort((a, b) => a.seq - b.seq);
    return { missed: rows[0]!.missed, changes };
  }

  async prune(before: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `WITH pruned AS (
         DELETE FROM config_changes WHERE seq <= (SELECT max(seq) FROM config_changes WHERE at < $1) RETURNING seq
       ), marked AS (
         UPDATE config_changes_pruned SET through = greatest(through, (SELECT max(seq) FROM pruned)) WHERE EXISTS (SELECT 1 FROM pruned)
       )
       SELECT count(*)::int AS n FROM pruned`,
      [before],
    );
    return rows[0]!.n;
  }
}
