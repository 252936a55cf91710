/**
 * Sealed queue messages: what is sealed opens to the same body, attributes and digests (binary frame), rows sealed in
 * the first, JSON frame still open, and digests that are not lowercase hex fall back to the JSON frame intact.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { Sealer } from '../../src/keys/sealer.js';
import { openStore } from '../../src/store/index.js';
import type { NewQueueMessage } from '../../src/store/queues.js';
import { messageColumns, openMessage } from '../../src/store/sealing.js';
import type { Store } from '../../src/store/store.js';
import { md5OfBody, md5OfMessageAttributes } from '../../src/queues/md5.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

const dir = tempDataDir('mailroom-frame-');

function message(body: string, attributes: NewQueueMessage['attributes']): NewQueueMessage {
  const m: NewQueueMessage = { queue: 'q', messageId: 'm1', body, attributes, md5OfBody: md5OfBody(body), sentAt: 0, visibleAt: 0, expiresAt: 1, keyRef: 'alias/aws/sqs' };
  const md5a = md5OfMessageAttributes(attributes);
  if (md5a !== undefined) m.md5OfMessageAttributes = md5a;
  return m;
}

describe('sealed message frames', () => {
  let store: Store;
  let sealer: Sealer;
  before(async () => {
    const clock = new ManualClock();
    store = await openStore({ path: join(dir, 's.db'), clock });
    sealer = new Sealer(store.keyring, clock);
  });
  after(async () => {
    await store.close();
    removeDir(dir);
  });

  const roundTrip = (m: NewQueueMessage) => openMessage(sealer, messageColumns(sealer, m));

  it('opens what it sealed: body, every kind of attribute, both digests', () => {
    const attributes = {
      trace: { DataType: 'String', StringValue: 'grüße 🎉' },
      'n.1': { DataType: 'Number.int', StringValue: '42' },
      blob: { DataType: 'Binary.gif', BinaryValue: Buffer.from([0, 255, 7]).toString('base64') },
      empty: { DataType: 'String', StringValue: '' },
    };
    const m = message('héllo, wörld '.repeat(40), attributes);
    const columns = messageColumns(sealer, m);
    assert.equal(columns.keyId !== null, true);
    assert.equal(columns.body.includes(Buffer.from('wörld')), false, 'sealed');
    assert.deepEqual(openMessage(sealer, columns), { body: m.body, attributes, md5OfBody: m.md5OfBody, md5OfMessageAttributes: m.md5OfMessageAttributes });
  });

  it('opens a message without attributes', () => {
    const m = message('just a body', {});
    assert.deepEqual(roundTrip(m), { body: 'just a body', attributes: {}, md5OfBody: m.md5OfBody });
  });

  it('opens rows sealed in the first (JSON) frame', () => {
    const attributes = { trace: { DataType: 'String', StringValue: 'abc' } };
    const m = message('old body', attributes);
    const meta = Buffer.from(JSON.stringify({ md5: m.md5OfBody, md5a: m.md5OfMessageAttributes, a: attributes }), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(meta.length);
    const sealed = sealer.seal('alias/aws/sqs', Buffer.concat([length, meta, Buffer.from('old body', 'utf8')]));
    const columns = { body: sealed.blob, attributes: null, md5OfBody: '', md5OfMessageAttributes: null, keyId: sealed.keyId };
    assert.deepEqual(openMessage(sealer, columns), { body: 'old body', attributes, md5OfBody: m.md5OfBody, md5OfMessageAttributes: m.md5OfMessageAttributes });
  });

  it('keeps digests that are not lowercase hex as they are', () => {
    const m = { ...message('body', {}), md5OfBody: 'NOT-HEX' };
    assert.deepEqual(roundTrip(m), { body: 'body', attributes: {}, md5OfBody: 'NOT-HEX' });
  });

  it('seals a smaller row than the JSON frame did', () => {
    const m = message('x'.repeat(512), { trace: { DataType: 'String', StringValue: 'x'.repeat(24) } });
    const json = JSON.stringify({ md5: m.md5OfBody, md5a: m.md5OfMessageAttributes, a: m.attributes });
    const jsonFrameBytes = 4 + json.length + 512;
    const sealedOverhead = sealer.seal('alias/aws/sqs', Buffer.alloc(0)).blob.length;
    assert.ok(messageColumns(sealer, m).body.length - sealedOverhead < jsonFrameBytes - 50);
  });
});
