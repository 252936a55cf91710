/** Event buses. Deleting one takes its rules, their targets and all their tags with it. */
import type Database from 'better-sqlite3';
import type { BusRecord, Page, PageRequest } from '../records.js';
import { toPage } from '../paging.js';
import { pageParams, pageWhere, setOptional, type PageParams } from './rows.js';

interface BusRow {
  name: string;
  arn: string;
  description: string | null;
  kms_key_identifier: string | null;
  dead_letter_arn: string | null;
  policy: string | null;
  created_at: number;
  last_modified_at: number;
}

function toRecord(row: BusRow): BusRecord {
  const bus: BusRecord = { name: row.name, arn: row.arn, createdAt: row.created_at, lastModifiedAt: row.last_modified_at };
  setOptional(bus, 'description', row.description);
  setOptional(bus, 'kmsKeyIdentifier', row.kms_key_identifier);
  setOptional(bus, 'deadLetterArn', row.dead_letter_arn);
  setOptional(bus, 'policy', row.policy);
  return bus;
}

export class Buses {
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #deleteTags;
  readonly #delete;
  readonly #deleteWithTags;

  constructor(db: Database.Database) {
    // Only a name clash is "taken"; an ARN clash under another name is a bug and should throw.
    this.#insert = db.prepare(
      `INSERT INTO buses (name, arn, description, kms_key_identifier, dead_letter_arn, policy, created_at, last_modified_at)
       VALUES (@name, @arn, @description, @kmsKeyIdentifier, @deadLetterArn, @policy, @createdAt, @lastModifiedAt)
       ON CONFLICT (name) DO NOTHING`,
    );
    this.#get = db.prepare<[string], BusRow>('SELECT * FROM buses WHERE name = ?');
    this.#list = db.prepare<PageParams, BusRow>(`SELECT * FROM buses WHERE ${pageWhere('name')} ORDER BY name LIMIT @limit`);
    this.#deleteTags = db.prepare<{ name: string }>(
      'DELETE FROM tags WHERE arn IN (SELECT arn FROM buses WHERE name = @name UNION ALL SELECT arn FROM rules WHERE bus = @name)',
    );
    // Rules and targets go by ON DELETE CASCADE.
    this.#delete = db.prepare<[string]>('DELETE FROM buses WHERE name = ?');
    this.#deleteWithTags = db.transaction((name: string): boolean => {
      this.#deleteTags.run({ name });
      return this.#delete.run(name).changes > 0;
    });
  }

  create(bus: BusRecord): boolean {
    return (
      this.#insert.run({
        name: bus.name,
        arn: bus.arn,
        description: bus.description ?? null,
        kmsKeyIdentifier: bus.kmsKeyIdentifier ?? null,
        deadLetterArn: bus.deadLetterArn ?? null,
        policy: bus.policy ?? null,
        createdAt: bus.createdAt,
        lastModifiedAt: bus.lastModifiedAt,
      }).changes > 0
    );
  }

  get(name: string): BusRecord | undefined {
    const row = this.#get.get(name);
    return row && toRecord(row);
  }

  list(page: PageRequest): Page<BusRecord> {
    return toPage(this.#list.all(pageParams(page)).map(toRecord), page, (b) => b.name);
  }

  delete(name: string): boolean {
    return this.#deleteWithTags.immediate(name);
  }
}
