/**
 * Mailroom as a library: the in-process event bus, its clocks, and the server for embedding.
 */
export { createMailroom, type Mailroom, type MailroomOptions } from './mailroom.js';
export { startServer, type MailroomServer, type ServeOptions } from './server/index.js';
export { ManualClock, ScaledClock, SystemClock, type Clock, type TimerHandle } from './clock.js';
export { ServiceError, ERROR_CATALOGUE, type ErrorCode } from './errors.js';
export type { EventEnvelope, PutEventsEntry } from './events/index.js';
export { FunctionSpecError, functionArn, type FunctionSpec } from './functions/spec.js';
export type { AlarmNotification, AlarmNotifier } from './monitoring/index.js';
export type { InvocationRecord } from './functions/retry.js';
export type { Sns, TopicPublisher } from './topics/index.js';
export { RootKeyError, type RootKeyOptions } from './keys/index.js';
