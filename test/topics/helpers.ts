/**
 * For SNS tests: a real Mailroom server on 127.0.0.1 driven by a ManualClock (so SubscribeURL, UnsubscribeURL and
 * SigningCertURL are real links), waits on the dispatcher, and the verification a subscriber does of a message's
 * Signature against the certificate served at its SigningCertURL.
 */
import assert from 'node:assert/strict';
import { createVerify, X509Certificate } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import type { SmtpConfig } from '../../src/delivery/invokers/smtp.js';
import type { Mailroom } from '../../src/mailroom.js';
import { startServer, type MailroomServer } from '../../src/server/index.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

export const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

export interface SnsServer {
  server: MailroomServer;
  mailroom: Mailroom;
  clock: ManualClock;
  dir: string;
  close(): Promise<void>;
}

export async function startSnsServer(options: { smtp?: SmtpConfig; functionsBaseDir?: string; dataDir?: string } = {}): Promise<SnsServer> {
  const { dataDir: dir = tempDataDir('mailroom-sns-'), ...rest } = options;
  const clock = new ManualClock(T0);
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, timeScale: 1, logger: pino({ level: 'silent' }), clock, ...rest });
  return {
    server,
    mailroom: server.mailroom,
    clock,
    dir,
    close: async () => {
      await server.close();
      removeDir(dir);
    },
  };
}

/** Waits (a bounded number of real seconds, never a fixed sleep) until `done()` holds. */
export async function until(done: () => boolean | Promise<boolean>, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await nextTurn();
  }
}

/** Every due delivery attempted and settled, and the timer armed for the next: safe to advance the clock. */
export function quiet(mailroom: Mailroom): Promise<void> {
  return until(() => mailroom.delivery.dispatcher.idle, 'the dispatcher to be idle');
}

/** What a subscriber does: fetch SigningCertURL, check the certificate, verify Signature over SNS's canonical string. */
export async function verifySignature(doc: Record<string, string>): Promise<boolean> {
  const answer = await fetch(doc.SigningCertURL!);
  assert.equal(answer.status, 200, `GET ${doc.SigningCertURL}`);
  const certificate = new X509Certificate(await answer.text());
  assert.ok(certificate.verify(certificate.publicKey), 'the certificate is self-signed by its key');
  const fields = doc.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = fields
    .filter((f) => doc[f] !== undefined)
    .map((f) => `${f}\n${doc[f]}\n`)
    .join('');
  return createVerify(doc.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1').update(text).verify(certificate.publicKey, doc.Signature!, 'base64');
}

/** The sum of one AWS/SNS-style metric for a topic, after flushing what the recorder holds. */
export async function metric(mailroom: Mailroom, namespace: string, name: string, topicName: string): Promise<number> {
  await mailroom.metrics.flush();
  const data = await mailroom.store.queryMetrics({ namespace, name, dimensions: { TopicName: topicName }, from: 0, to: Number.MAX_SAFE_INTEGER });
  return data.reduce((n, d) => n + d.sum, 0);
}
