/**
 * Functions through a real `mailroom serve` process: registered with the admin API (/_mailroom/functions) or the
 * config file, addressed by ARN in PutTargets (@aws-sdk/client-eventbridge), run on PutEvents — the handler posts
 * to a local HTTP sink whose URL it reads from the event's detail. Bad specs get 400 naming the field, a bad config
 * file stops the start, and registrations survive a restart.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { removeDir, startServerProcess, tempDataDir, type ServerProcess } from '../helpers/server-process.js';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
// The server runs from the repository root, which is where relative handler paths start without a config file.
const HANDLER = 'test/functions/fixtures/report.ts';
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

async function admin(server: ServerProcess, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/_mailroom/functions${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { __type?: string; message?: string } };
}

/** Routes `shop` events on the default bus to the function, sends one, and resolves with what the handler posted. */
async function runThrough(server: ServerProcess, sink: HttpSink, name: string): Promise<{ eventId: string; posted: Record<string, unknown> }> {
  const events = new EventBridgeClient({ endpoint: server.url, region: 'us-east-1', credentials });
  try {
    await events.send(new PutRuleCommand({ Name: `to-${name}`, EventPattern: JSON.stringify({ source: ['shop'], 'detail-type': [name] }) }));
    const put = await events.send(new PutTargetsCommand({ Rule: `to-${name}`, Targets: [{ Id: 'fn', Arn: arnOf(name) }] }));
    assert.equal(put.FailedEntryCount, 0);
    const posted = sink.nextRequest();
    const sent = await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: name, Detail: JSON.stringify({ sinkUrl: sink.url }) }] }));
    return { eventId: sent.Entries![0]!.EventId!, posted: JSON.parse((await posted).body) as Record<string, unknown> };
  } finally {
    events.destroy();
  }
}

describe('functions through the admin API', () => {
  let server: ServerProcess;
  let sink: HttpSink;

  before(async () => {
    sink = await startSink();
    server = await startServerProcess();
  });
  after(async () => {
    await server.stop();
    await sink.close();
    removeDir(server.dataDir);
  });

  it('registers a function with PUT, lists and describes it, and runs it for a rule target naming its ARN', async () => {
    const created = await admin(server, 'PUT', '/notify', { handler: HANDLER, timeoutSeconds: 10 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body, { name: 'notify', handler: HANDLER, timeoutSeconds: 10, maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600, functionArn: arnOf('notify') });
    const replaced = await admin(server, 'PUT', '/notify', { name: 'notify', handler: HANDLER, timeoutSeconds: 20 });
    assert.equal(replaced.status, 200);
    assert.equal((await admin(server, 'GET', '/notify')).body.timeoutSeconds, 20);
    const listed = await admin(server, 'GET', '');
    assert.deepEqual((listed.body.functions as { name: string }[]).map((f) => f.name), ['notify']);

    const { eventId, posted } = await runThrough(server, sink, 'notify');
    assert.equal(posted.eventId, eventId);
    assert.equal(posted.functionName, 'notify');
  });

  it('answers bad specs with 400 and the field named, and unknown functions with 404', async () => {
    const bad = async (path: string, body: unknown, type: string, message: RegExp) => {
      const res = await admin(server, 'PUT', path, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.type ?? '', /^application\/json/);
      assert.equal(res.body.__type, type);
      assert.match(res.body.message!, message);
    };
    await bad('/f', { handler: HANDLER, timeoutSeconds: 0 }, 'ValidationException', /timeoutSeconds must be a whole number from 1 to 900, got 0/);
    await bad('/f', { handler: HANDLER, maximumRetryAttempts: 3 }, 'ValidationException', /maximumRetryAttempts/);
    await bad('/f', { handler: HANDLER, maximumEventAgeInSeconds: 59 }, 'ValidationException', /maximumEventAgeInSeconds/);
    await bad('/f', { handler: HANDLER, onFailure: 'my-queue' }, 'ValidationException', /onFailure must be the ARN/);
    await bad('/f', { handler: HANDLER, timeout: 5 }, 'ValidationException', /unknown setting 'timeout'/);
    await bad('/f', {}, 'ValidationException', /handler must name a module/);
    await bad('/f', { name: 'g', handler: HANDLER }, 'ValidationException', /name in the body \("g"\) does not match the name in the path \('f'\)/);
    await bad('/not%20valid', { handler: HANDLER }, 'ValidationException', /name must be 1 to 64 letters/);
    await bad('/f', '{"handler": ', 'SerializationException', /JSON object/);
    await bad('/f', '["handler"]', 'ValidationException', /must be an object/);
    assert.equal((await admin(server, 'GET', '/f')).status, 404, 'nothing was registered by the bad requests');

    const missing = await admin(server, 'DELETE', '/nothing-here');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { __type: 'ResourceNotFoundException', message: `Function not found: ${arnOf('nothing-here')}` });
    assert.equal((await admin(server, 'GET', '/nothing-here')).body.__type, 'ResourceNotFoundException');
  });

  it('removes a function with DELETE', async () => {
    assert.equal((await admin(server, 'PUT', '/short-lived', { handler: HANDLER })).status, 201);
    assert.equal((await admin(server, 'DELETE', '/short-lived')).status, 204);
    assert.equal((await admin(server, 'GET', '/short-lived')).status, 404);
    assert.equal((await admin(server, 'DELETE', '/short-lived')).status, 404);
  });

  it('keeps registered functions across a restart, and still runs them', async () => {
    assert.equal((await admin(server, 'PUT', '/durable', { handler: HANDLER, maximumRetryAttempts: 1 })).status, 201);
    await server.stop();
    server = await startServerProcess({ dataDir: server.dataDir });
    const described = await admin(server, 'GET', '/durable');
    assert.equal(described.status, 200);
    assert.equal(described.body.maximumRetryAttempts, 1);
    const { posted } = await runThrough(server, sink, 'durable');
    assert.equal(posted.functionName, 'durable');
  });
});

describe('functions from the config file', () => {
  let dir: string;
  let sink: HttpSink;

  before(async () => {
    dir = tempDataDir('mailroom-config-');
    sink = await startSink();
    // A handler next to the config file, in plain JavaScript as a user would write it.
    mkdirSync(join(dir, 'handlers'));
    writeFileSync(
      join(dir, 'handlers', 'notify.mjs'),
      `export async function handler(event, context) {
  await fetch(event.detail.sinkUrl, { method: 'POST', body: JSON.stringify({ eventId: event.id, functionName: context.functionName }) });
  return 'sent';
}
`,
    );
  });
  after(async () => {
    await sink.close();
    removeDir(dir);
  });

  const writeConfig = (name: string, functions: unknown[]) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ logLevel: 'info', functions }));
    return path;
  };

  it('registers them at start, with handler paths relative to the file', async () => {
    const config = writeConfig('mailroom.json', [{ name: 'from-config', handler: 'handlers/notify.mjs', timeoutSeconds: 5, maximumEventAgeInSeconds: 3600 }]);
    const server = await startServerProcess({ config, dataDir: join(dir, 'data') });
    try {
      const described = await admin(server, 'GET', '/from-config');
      assert.equal(described.status, 200);
      assert.deepEqual([described.body.handler, described.body.timeoutSeconds, described.body.maximumEventAgeInSeconds], ['handlers/notify.mjs', 5, 3600]);
      const { eventId, posted } = await runThrough(server, sink, 'from-config');
      assert.deepEqual(posted, { eventId, functionName: 'from-config' });
    } finally {
      await server.stop();
    }
  });

  it('refuses to start on an invalid entry, naming the entry and the field', async () => {
    const check = async (functions: unknown[], message: RegExp) => {
      const config = writeConfig('bad.json', functions);
      await assert.rejects(startServerProcess({ config, dataDir: join(dir, 'bad-data') }), (err: Error) => {
        assert.match(err.message, /exited with 2 before listening/);
        assert.match(err.message, message);
        return true;
      });
    };
    await check([{ name: 'ok', handler: 'handlers/notify.mjs' }, { name: 'late', handler: 'handlers/notify.mjs', timeoutSeconds: 901 }], /functions\[1\]: Function 'late': timeoutSeconds must be a whole number from 1 to 900, got 901/);
    await check([{ name: 'typo', handler: 'handlers/notfy.mjs' }], /functions\[0\]: handler module .*handlers\/notfy\.mjs does not exist/);
  });
});
