/**
 * Admin endpoints for what the delivery engine keeps beyond AWS: dead letters that could not be written to their
 * queue (the fallback store — never dropped, always listable) and the attempt history of any delivery.
 *
 *   GET /_mailroom/dead-letters/fallback?limit=100
 *   GET /_mailroom/deliveries/<id>/attempts
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';

export function registerDeliveryAdmin(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: { limit?: string } }>('/_mailroom/dead-letters/fallback', async (req, reply) => {
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return reply.status(400).send({ __type: 'ValidationException', message: 'limit must be an integer from 1 to 1000' });
    }
    return { deadLetters: await store.listFallbackDeadLetters(limit) };
  });
  app.get<{ Params: { id: string } }>('/_mailroom/deliveries/:id/attempts', async (req) => ({ deliveryId: req.params.id, attempts: await store.attemptHistory(req.params.id) }));
}
