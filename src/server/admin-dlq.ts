/**
 * The admin API for dead-letter queues and their redrive (what `mailroom dlq` talks to):
 *
 *   GET  /_mailroom/dlq/<queue>/messages?limit=100&nextToken=...   the messages, without receiving them
 *   GET  /_mailroom/dlq/<queue>/messages/<messageId>               one, with the failed delivery's attempt history
 *   POST /_mailroom/dlq/<queue>/redrive      {"messageIds"?: [...], "rate"?: N}   back to the targets they failed on
 *   POST /_mailroom/dlq/<queue>/purge                                             delete every message
 *   POST /_mailroom/dead-letters/fallback/redrive {"deliveryIds"?: [...], "rate"?: N}   the same for the fallback store
 *
 * A redrive answers 200 when every dead letter went back, 207 when some could not (each failure is in `failed`
 * with its reason), 422 when none could. Errors take AWS's JSON shape with codes from the catalogue, and REST
 * statuses (404 for a queue or message that does not exist).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ServiceError } from '../errors.js';
import type { RedriveReport, RedriveService } from '../delivery/redrive.js';

type ByQueue = { Params: { queue: string } };

export function registerDlqAdmin(app: FastifyInstance, redrive: RedriveService): void {
  app.get<ByQueue & { Querystring: { limit?: string; nextToken?: string } }>('/_mailroom/dlq/:queue/messages', async (req, reply) => {
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return error(reply, 400, new ServiceError('ValidationException', 'limit must be an integer from 1 to 1000.'));
    return answer(reply, () => redrive.list(req.params.queue, { limit, ...(req.query.nextToken !== undefined && { after: req.query.nextToken }) }));
  });

  app.get<ByQueue & { Params: { messageId: string } }>('/_mailroom/dlq/:queue/messages/:messageId', async (req, reply) =>
    answer(reply, () => redrive.show(req.params.queue, req.params.messageId)),
  );

  app.post<ByQueue>('/_mailroom/dlq/:queue/redrive', async (req, reply) => {
    const body = parseBody(req.body, 'messageIds');
    if (body instanceof ServiceError) return error(reply, 400, body);
    return answer(reply, async () => reported(reply, await redrive.redrive(req.params.queue, body)));
  });

  app.post<ByQueue>('/_mailroom/dlq/:queue/purge', async (req, reply) => answer(reply, async () => (await redrive.purge(req.params.queue), { purged: req.params.queue })));

  app.post('/_mailroom/dead-letters/fallback/redrive', async (req, reply) => {
    const body = parseBody(req.body, 'deliveryIds');
    if (body instanceof ServiceError) return error(reply, 400, body);
    return answer(reply, async () => reported(reply, await redrive.redriveFallback(body)));
  });
}

/** The redrive options from a JSON body (empty: every dead letter at the default rate). */
function parseBody(raw: unknown, idsField: string): { ids?: string[]; ratePerSecond?: number } | ServiceError {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  let body: unknown = {};
  try {
    if (text.trim() !== '') body = JSON.parse(text);
  } catch {
    return new ServiceError('SerializationException', 'The request body must be a JSON object.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return new ServiceError('SerializationException', 'The request body must be a JSON object.');
  const { rate, [idsField]: ids } = body as Record<string, unknown>;
  const out: { ids?: string[]; ratePerSecond?: number } = {};
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) return new ServiceError('ValidationException', `${idsField} must be a non-empty list of strings.`);
    out.ids = ids as string[];
  }
  if (rate !== undefined) {
    if (typeof rate !== 'number') return new ServiceError('ValidationException', 'rate must be a number of dead letters per second.');
    out.ratePerSecond = rate;
  }
  return out;
}

function reported(reply: FastifyReply, report: RedriveReport): RedriveReport {
  if (report.failed.length > 0) void reply.status(report.redriven.length > 0 ? 207 : 422);
  return report;
}

async function answer<T>(reply: FastifyReply, run: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    const notFound = err.code === 'QueueDoesNotExist' || err.code === 'ResourceNotFoundException';
    return error(reply, notFound ? 404 : 400, err);
  }
}

function error(reply: FastifyReply, status: number, err: ServiceError) {
  return reply.status(status).type('application/json').send(JSON.stringify({ __type: err.code, message: err.message }));
}
