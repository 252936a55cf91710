/**
 * `mailroom dlq list|show|redrive|redrive-fallback|purge`: dead-letter queues of a running server, through its
 * admin API (/_mailroom/dlq, see src/server/admin-dlq.ts). A queue is named by its name, URL or ARN. Every command
 * prints text for people, or the API's JSON with --json; a redrive that could not put every dead letter back says
 * which and why on stderr and exits 1.
 */
import type { Command } from 'commander';
import type { DeadLetterView, RedriveReport } from '../delivery/redrive.js';
import type { AttemptRecord } from '../store/deliveries.js';

const ENDPOINT = 'http://127.0.0.1:4010';

interface Common {
  endpoint: string;
  json?: boolean;
}

export function registerDlqCommands(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('See and redrive dead-letter queues of a running server: EventBridge dead letters go back to the target they failed on');

  dlq
    .command('list <queue>')
    .description('List the messages of a queue without receiving them (oldest first)')
    .option('--limit <n>', 'how many', '100')
    .option('--next-token <token>', 'continue a previous listing')
    .option('--endpoint <url>', 'server URL', ENDPOINT)
    .option('--json', 'print the API answer as JSON')
    .action(async (queue: string, opts: Common & { limit: string; nextToken?: string }) => {
      const query = new URLSearchParams({ limit: opts.limit, ...(opts.nextToken !== undefined && { nextToken: opts.nextToken }) });
      const body = await call<{ messages: DeadLetterView[]; nextToken?: string }>(opts, 'GET', `${path(queue)}/messages?${query}`);
      if (!body) return;
      if (opts.json) return print(body);
      if (body.messages.length === 0) console.log(`no messages in ${queueName(queue)}`);
      for (const m of body.messages) console.log(summary(m));
      if (body.nextToken) console.log(`more: --next-token ${body.nextToken}`);
    });

  dlq
    .command('show <queue> <messageId>')
    .description('Show one message with all its attributes and the failed delivery\'s attempt history')
    .option('--endpoint <url>', 'server URL', ENDPOINT)
    .option('--json', 'print the API answer as JSON')
    .action(async (queue: string, messageId: string, opts: Common) => {
      const body = await call<{ message: DeadLetterView; attempts: AttemptRecord[] }>(opts, 'GET', `${path(queue)}/messages/${encodeURIComponent(messageId)}`);
      if (!body) return;
      if (opts.json) return print(body);
      const { message: m, attempts } = body;
      console.log(summary(m));
      for (const [name, value] of Object.entries(m.attributes)) console.log(`  ${name}: ${value}`);
      console.log(`  body: ${m.body}`);
      if (attempts.length > 0) console.log('attempts:');
      for (const a of attempts) {
        console.log(`  #${a.attempt} ${new Date(a.at).toISOString()} ${a.ok ? 'ok' : `${a.errorCode ?? ''} ${a.errorMessage ?? ''}`}${a.status === undefined ? '' : ` (HTTP ${a.status})`}`);
      }
    });

  dlq
    .command('redrive <queue>')
    .description('Put EventBridge dead letters back to the target they failed on, as new deliveries with fresh retries')
    .option('--rate <n>', 'dead letters per second (at most 500) [default: 10]')
    .option('--message-id <id...>', 'only these messages')
    .option('--endpoint <url>', 'server URL', ENDPOINT)
    .option('--json', 'print the API answer as JSON')
    .action(async (queue: string, opts: Common & { rate?: string; messageId?: string[] }) => {
      const request = { ...(opts.rate !== undefined && { rate: Number(opts.rate) }), ...(opts.messageId && { messageIds: opts.messageId }) };
      report(opts, await call<RedriveReport>(opts, 'POST', `${path(queue)}/redrive`, request, [207, 422]));
    });

  dlq
    .command('redrive-fallback')
    .description('The same for dead letters kept in the fallback store (those whose queue could not take them), by delivery id')
    .option('--rate <n>', 'dead letters per second (at most 500) [default: 10]')
    .option('--delivery-id <id...>', 'only the dead letters of these deliveries')
    .option('--endpoint <url>', 'server URL', ENDPOINT)
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: Common & { rate?: string; deliveryId?: string[] }) => {
      const request = { ...(opts.rate !== undefined && { rate: Number(opts.rate) }), ...(opts.deliveryId && { deliveryIds: opts.deliveryId }) };
      report(opts, await call<RedriveReport>(opts, 'POST', '/_mailroom/dead-letters/fallback/redrive', request, [207, 422]));
    });

  dlq
    .command('purge <queue>')
    .description('Delete every message of the queue')
    .option('--endpoint <url>', 'server URL', ENDPOINT)
    .action(async (queue: string, opts: Common) => {
      if (await call(opts, 'POST', `${path(queue)}/purge`)) console.log(`purged ${queueName(queue)}`);
    });
}

/** Prints a redrive's answer; exits 1 when any dead letter could not be redriven. */
function report(opts: Common, body: RedriveReport | undefined): void {
  if (!body) return;
  if (opts.json) print(body);
  else for (const r of body.redriven) console.log(`redriven ${r.id} as delivery ${r.deliveryId} (due ${r.dueAt})`);
  for (const f of body.failed) console.error(`mailroom: could not redrive ${f.id}: ${f.reason}`);
  if (!opts.json) console.log(`${body.redriven.length} redriven, ${body.failed.length} failed`);
  if (body.failed.length > 0) process.exitCode = 1;
}

/**
 * Calls the admin API; the answer's JSON, or undefined after printing the error (exit code 1). `alsoOk` lists
 * non-2xx statuses whose body is still the answer (a redrive's partial or total failure).
 */
async function call<T>(opts: Common, method: string, route: string, body?: object, alsoOk: number[] = []): Promise<T | undefined> {
  const response = await fetch(`${opts.endpoint}${route}`, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T & { __type?: string; message?: string };
  if (response.ok || alsoOk.includes(response.status)) return answer;
  console.error(`mailroom: ${answer.__type ?? response.status}: ${answer.message ?? response.statusText}`);
  process.exitCode = 1;
  return undefined;
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** A queue given as a name, a queue URL or an SQS ARN. */
function queueName(queue: string): string {
  return queue.split(/[/:]/).pop() ?? queue;
}

function path(queue: string): string {
  return `/_mailroom/dlq/${encodeURIComponent(queueName(queue))}`;
}

function summary(m: DeadLetterView): string {
  const state = m.visible ? '' : ' (in flight or delayed)';
  const d = m.deadLetter;
  if (!d) return `${m.sentAt}  ${m.messageId}${state}${m.deadLetterSourceArn ? `  from ${m.deadLetterSourceArn}` : ''}`;
  return `${m.sentAt}  ${m.messageId}${state}\n  rule ${d.ruleArn}\n  target ${d.targetArn}\n  error ${d.errorCode ?? '-'} ${d.errorMessage ?? ''}${d.retryAttempts === undefined ? '' : ` after ${d.retryAttempts} retries`}`;
}
