/**
 * SQS queues at rest: the queue rows (attributes as one JSON object) and their tags. Messages are in
 * queue-messages.ts. Deleting a queue takes its messages and tags with it (ON DELETE CASCADE).
 */
import type Database from 'better-sqlite3';
import type { Page, PageRequest } from '../records.js';
import type { QueueRecord } from '../queues.js';
import { toPage } from '../paging.js';
import { pageParams, pageWhere, setOptional, type PageParams } from './rows.js';

interface QueueRow {
  name: string;
  arn: string;
  attributes: string;
  created_at: number;
  last_modified_at: number;
  last_purged_at: number | null;
}

function toRecord(row: QueueRow): QueueRecord {
  const queue: QueueRecord = {
    name: row.name,
    arn: row.arn,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    createdAt: row.created_at,
    lastModifiedAt: row.last_modified_at,
  };
  setOptional(queue, 'lastPurgedAt', row.last_purged_at);
  return queue;
}

export class Queues {
  readonly #insert;
  readonly #tag;
  readonly #create;
  readonly #get;
  readonly #list;
  readonly #setAttributes;
  readonly #delete;
  readonly #sources;
  readonly #untag;
  readonly #listTags;
  readonly #tagAll;
  readonly #untagAll;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO queues (name, arn, attributes, created_at, last_modified_at)
       VALUES (@name, @arn, @attributes, @createdAt, @lastModifiedAt) ON CONFLICT (name) DO NOTHING`,
    );
    this.#tag = db.prepare<[string, string, string]>(
      'INSERT INTO queue_tags (queue, key, value) VALUES (?, ?, ?) ON CONFLICT (queue, key) DO UPDATE SET value = excluded.value',
    );
    this.#create = db.transaction((queue: QueueRecord, tags: Record<string, string>): boolean => {
      const created = this.#insert.run({ ...queue, attributes: JSON.stringify(queue.attributes) }).changes > 0;
      if (created) for (const [key, value] of Object.entries(tags)) this.#tag.run(queue.name, key, value);
      return created;
    });
    this.#get = db.prepare<[string], QueueRow>('SELECT * FROM queues WHERE name = ?');
    this.#list = db.prepare<PageParams, QueueRow>(`SELECT * FROM queues WHERE ${pageWhere('name')} ORDER BY name LIMIT @limit`);
    this.#setAttributes = db.prepare<[string, number, string]>('UPDATE queues SET attributes = ?, last_modified_at = ? WHERE name = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM queues WHERE name = ?');
    // RedrivePolicy is JSON text inside the attributes object, hence the double json_extract; a full scan of the
    // queues table, which is small next to the messages.
    this.#sources = db.prepare<PageParams & { arn: string }, { name: string }>(
      `SELECT name FROM queues
       WHERE json_extract(json_extract(attributes, '$.RedrivePolicy'), '$.deadLetterTargetArn') = @arn AND ${pageWhere('name')}
       ORDER BY name LIMIT @limit`,
    );
    this.#untag = db.prepare<[string, string]>('DELETE FROM queue_tags WHERE queue = ? AND key = ?');
    this.#listTags = db.prepare<[string], { key: string; value: string }>('SELECT key, value FROM queue_tags WHERE queue = ? ORDER BY key');
    this.#tagAll = db.transaction((queue: string, tags: Record<string, string>): boolean => {
      if (!this.#get.get(queue)) return false;
      for (const [key, value] of Object.entries(tags)) this.#tag.run(queue, key, value);
      return true;
    });
    this.#untagAll = db.transaction((queue: string, keys: string[]): boolean => {
      if (!this.#get.get(queue)) return false;
      for (const key of keys) this.#untag.run(queue, key);
      return true;
    });
  }

  // Read-then-write transactions begin IMMEDIATE: the ingest writer thread may commit in between otherwise.
  create(queue: QueueRecord, tags: Record<string, string>): boolean {
    return this.#create.immediate(queue, tags);
  }

  get(name: string): QueueRecord | undefined {
    const row = this.#get.get(name);
    return row && toRecord(row);
  }

  list(page: PageRequest): Page<QueueRecord> {
    return toPage(this.#list.all(pageParams(page)).map(toRecord), page, (q) => q.name);
  }

  setAttributes(name: string, attributes: Record<string, string>, lastModifiedAt: number): boolean {
    return this.#setAttributes.run(JSON.stringify(attributes), lastModifiedAt, name).changes > 0;
  }

  delete(name: string): boolean {
    return this.#delete.run(name).changes > 0;
  }

  deadLetterSources(arn: string, page: PageRequest): Page<string> {
    return toPage(this.#sources.all({ ...pageParams(page), arn }).map((r) => r.name), page, (n) => n);
  }

  tag(queue: string, tags: Record<string, string>): boolean {
    return this.#tagAll.immediate(queue, tags);
  }

  untag(queue: string, keys: string[]): boolean {
    return this.#untagAll.immediate(queue, keys);
  }

  tags(queue: string): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const row of this.#listTags.all(queue)) tags[row.key] = row.value;
    return tags;
  }
}
