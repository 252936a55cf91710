/**
 * The admin API for Lambda-style functions, under /_mailroom/functions: list (GET), register or replace
 * (PUT /:name with the spec as JSON), describe (GET /:name) and remove (DELETE /:name). What a valid function is
 * is decided by resolveFunctionSpec, as for the config file. Errors take AWS's JSON shape with codes from the
 * catalogue (src/errors.ts), but REST statuses: a function that does not exist is 404, as Lambda answers.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ErrorCode } from '../errors.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { FunctionSpecError, functionArn, type FunctionSpec } from '../functions/spec.js';

type ByName = { Params: { name: string } };

export function registerFunctionsAdmin(app: FastifyInstance, functions: FunctionRegistry): void {
  app.get('/_mailroom/functions', async () => ({ functions: functions.list().map(describe) }));

  app.get<ByName>('/_mailroom/functions/:name', async (req, reply) => {
    const spec = functions.get(req.params.name);
    return spec ? describe(spec) : notFound(reply, req.params.name);
  });

  app.put<ByName>('/_mailroom/functions/:name', async (req, reply) => {
    const { name } = req.params;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    } catch {
      return error(reply, 400, 'SerializationException', 'The request body must be the function as a JSON object, e.g. {"handler": "handlers/orders.js"}.');
    }
    let input = body;
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const given = (body as { name?: unknown }).name;
      if (given !== undefined && given !== name) return error(reply, 400, 'ValidationException', `The name in the body (${JSON.stringify(given)}) does not match the name in the path ('${name}').`);
      // The path names the function, so the body need not repeat it.
      input = { ...body, name };
    }
    const existed = functions.get(name) !== undefined;
    try {
      const spec = await functions.register(input);
      return reply.status(existed ? 200 : 201).send(describe(spec));
    } catch (err) {
      if (err instanceof FunctionSpecError) return error(reply, 400, 'ValidationException', err.message);
      throw err;
    }
  });

  app.delete<ByName>('/_mailroom/functions/:name', async (req, reply) => {
    if (!(await functions.remove(req.params.name))) return notFound(reply, req.params.name);
    return reply.status(204).send();
  });
}

/** The spec as registered, with the ARN that rule targets and destinations use. */
function describe(spec: Readonly<FunctionSpec>) {
  return { ...spec, functionArn: functionArn(spec.name) };
}

function notFound(reply: FastifyReply, name: string) {
  return error(reply, 404, 'ResourceNotFoundException', `Function not found: ${functionArn(name)}`);
}

function error(reply: FastifyReply, status: number, type: ErrorCode, message: string) {
  return reply.status(status).type('application/json').send(JSON.stringify({ __type: type, message }));
}
