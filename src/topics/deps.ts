/**
 * What every SNS service needs, built once by createMailroom and shared, and the lookups they all start with.
 */
import type { Clock } from '../clock.js';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { RequestContext } from '../protocols/context.js';
import type { Store } from '../store/store.js';
import type { TopicRecord } from '../store/topics.js';
import { topicNameOf, topicNotFound } from './names.js';

export interface TopicDeps {
  store: Store;
  clock: Clock;
  metrics: MetricRecorder;
  /** New deliveries were committed: the delivery engine should claim them now. */
  deliveriesRecorded: () => void;
  /** Whether an SMTP server is configured, without which email subscriptions cannot be delivered. */
  emailEnabled: boolean;
  /** A subscription's RedrivePolicy names this queue (for the secure defaults' depth alarm); never throws. */
  deadLetterQueueNamed?: (queueArn: string) => Promise<void>;
}

/** The topic a TopicArn names, or SNS's InvalidParameter (malformed ARN) / NotFound. */
export async function requireTopic(deps: TopicDeps, arn: string | undefined, ctx: RequestContext, field = 'TopicArn'): Promise<TopicRecord> {
  topicNameOf(arn, ctx, field);
  const topic = await deps.store.getTopic(arn!);
  if (!topic) throw topicNotFound();
  return topic;
}

