/**
 * SNS Publish throughput in-process (no HTTP: the query protocol is not served yet): a topic with three SQS
 * subscriptions, so each Publish durably writes the message and three deliveries before it answers. Measures one
 * publisher at a time (one fsync each), many concurrent publishers (group commit shares the fsync), and
 * PublishBatch of 10. Delivery is off, so only the accepting side is measured.
 *
 *   node --import tsx bench/sns-publish.ts [--publishers 16] [--messages 2000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMailroom } from '../src/mailroom.js';

const { values } = parseArgs({ options: { publishers: { type: 'string', default: '16' }, messages: { type: 'string', default: '2000' } } });
const publishers = Number(values.publishers);
const messages = Number(values.messages);

const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-sns-'));
const mailroom = await createMailroom({ dataDir: dir, deliver: false });
const ctx = mailroom.context();
const { TopicArn } = await mailroom.sns.topics.create({ Name: 'bench' }, ctx);
for (let i = 0; i < 3; i++) {
  await mailroom.sqs.queues.create({ QueueName: `inbox-${i}` }, ctx);
  await mailroom.sns.subscriptions.subscribe({ TopicArn, Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:000000000000:inbox-${i}` }, ctx);
}

async function rate(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  console.log(`${label}: ${Math.round((count / ms) * 1000)} messages/s`);
}

const sequential = Math.min(messages, 500);
await rate('one publisher', sequential, async () => {
  for (let i = 0; i < sequential; i++) await mailroom.sns.publish(TopicArn, `m${i}`);
});
await rate(`${publishers} concurrent publishers`, messages, () =>
  Promise.all(
    Array.from({ length: publishers }, async (_, p) => {
      for (let i = p; i < messages; i += publishers) await mailroom.sns.publish(TopicArn, `m${i}`);
    }),
  ).then(() => undefined),
);
await rate('PublishBatch of 10, one publisher', messages, async () => {
  for (let i = 0; i < messages; i += 10) {
    const entries = Array.from({ length: 10 }, (_, k) => ({ Id: `e${k}`, Message: `m${i + k}` }));
    await mailroom.sns.publisher.publishBatch({ TopicArn, PublishBatchRequestEntries: entries }, ctx);
  }
});
await mailroom.close();
rmSync(dir, { recursive: true, force: true });
