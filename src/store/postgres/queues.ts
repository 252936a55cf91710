/**
 * SQS queues at rest on PostgreSQL: the queue rows (attributes as one JSON object, kept as text) and their tags.
 * Messages are in queue-messages.ts. Deleting a queue takes its messages and tags with it (ON DELETE CASCADE).
 */
import type pg from 'pg';
import type { Page, PageRequest } from '../records.js';
import type { QueueRecord } from '../queues.js';
import { toPage } from '../paging.js';
import { compact, pageClause, pageValues } from './database.js';

const COLUMNS = 'name, arn, attributes, created_at AS "createdAt", last_modified_at AS "lastModifiedAt", last_purged_at AS "lastPurgedAt"';

function toRecord(row: Record<string, unknown>): QueueRecord {
  return compact<QueueRecord>({ ...row, attributes: JSON.parse(row.attributes as string) as Record<string, string> });
}

export class Queues {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates the queue with its tags in one statement; false when the name is taken. */
  async create(queue: QueueRecord, tags: Record<string, string>): Promise<boolean> {
    const { rows } = await this.pool.query(
      `WITH created AS (
         INSERT INTO queues (name, arn, attributes, created_at, last_modified_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO NOTHING RETURNING name
       ), tagged AS (
         INSERT INTO queue_tags (queue, key, value) SELECT created.name, t.key, t.value FROM created, unnest($6::text[], $7::text[]) AS t (key, value)
       )
       SELECT 1 FROM created`,
      [queue.name, queue.arn, JSON.stringify(queue.attributes), queue.createdAt, queue.lastModifiedAt, Object.keys(tags), Object.values(tags)],
    );
    return rows.length === 1;
  }

  async get(name: string): Promise<QueueRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM queues WHERE name = $1`, [name]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(page: PageRequest): Promise<Page<QueueRecord>> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM queues WHERE ${pageClause('name', 1)}`, pageValues(page));
    return toPage(rows.map(toRecord), page, (q) => q.name);
  }

  async setAttributes(name: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE queues SET attributes = $1, last_modified_at = $2 WHERE name = $3', [JSON.stringify(attributes), lastModifiedAt, name]);
    return result.rowCount === 1;
  }

  async delete(name: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM queues WHERE name = $1', [name])).rowCount === 1;
  }

  /** RedrivePolicy is JSON text inside the attributes object; a scan of the queues table, small next to the messages. */
  async deadLetterSources(arn: string, page: PageRequest): Promise<Page<string>> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT name FROM queues
       WHERE ((attributes::jsonb ->> 'RedrivePolicy')::jsonb ->> 'deadLetterTargetArn') = $4 AND ${pageClause('name', 1)}`,
      [...pageValues(page), arn],
    );
    return toPage(rows.map((r) => r.name), page, (n) => n);
  }

  /** Merges tags; false (nothing written) when the queue does not exist. */
  async tag(queue: string, tags: Record<string, string>): Promise<boolean> {
    const { rows } = await this.pool.query(
      `WITH q AS (SELECT name FROM queues WHERE name = $1 FOR SHARE), tagged AS (
         INSERT INTO queue_tags (queue, key, value) SELECT q.name, t.key, t.value FROM q, unnest($2::text[], $3::text[]) AS t (key, value)
         ON CONFLICT (queue, key) DO UPDATE SET value = excluded.value
       )
       SELECT 1 FROM q`,
      [queue, Object.keys(tags), Object.values(tags)],
    );
    return rows.length === 1;
  }

  async untag(queue: string, keys: string[]): Promise<boolean> {
    const { rows } = await this.pool.query(
      `WITH q AS (SELECT name FROM queues WHERE name = $1), untagged AS (DELETE FROM queue_tags WHERE queue IN (SELECT name FROM q) AND key = ANY ($2))
       SELECT 1 FROM q`,
      [queue, keys],
    );
    return rows.length === 1;
  }

  async tags(queue: string): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ key: string; value: string }>('SELECT key, value FROM queue_tags WHERE queue = $1 ORDER BY key', [queue]);
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }
}
