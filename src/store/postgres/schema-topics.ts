/**
 * Migration 7 on PostgreSQL: SNS topics, their subscriptions and the message-signing key, as SQLite's migration 7
 * has them (src/store/sqlite/schema-topics.ts; src/store/topics.ts says what they are for), and the deliveries'
 * kind constraint widened to 'sns'.
 */
export const TOPICS_SQL = `
-- Keyed by ARN: the same name may be a topic in two regions. attributes: what CreateTopic/SetTopicAttributes set,
-- as a JSON object of strings. Tags live in the shared tags table.
CREATE TABLE topics (
  arn text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  attributes text NOT NULL,
  subscriptions_deleted integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  last_modified_at bigint NOT NULL
);

-- A subscription's ARN is its topic's ARN plus ':<uuid>', so a topic's subscriptions are an ARN range. One
-- subscription per topic, protocol and endpoint: subscribing again returns it. token: the confirmation token
-- (kept after confirming, so a repeated ConfirmSubscription gets the same answer).
CREATE TABLE subscriptions (
  arn text COLLATE "C" PRIMARY KEY,
  topic_arn text COLLATE "C" NOT NULL REFERENCES topics (arn) ON DELETE CASCADE,
  protocol text NOT NULL,
  endpoint text NOT NULL,
  attributes text NOT NULL,
  pending_confirmation boolean NOT NULL,
  confirmation_was_authenticated boolean NOT NULL DEFAULT false,
  token text,
  token_expires_at bigint,
  created_at bigint NOT NULL,
  UNIQUE (topic_arn, protocol, endpoint)
);

CREATE UNIQUE INDEX subscriptions_by_token ON subscriptions (token) WHERE token IS NOT NULL;

-- The key that signs SNS messages, made at first start; one row. private_key is sealed like the other secrets.
CREATE TABLE sns_signing_keys (
  id integer PRIMARY KEY CHECK (id = 1),
  private_key bytea NOT NULL,
  key_id text,
  certificate text NOT NULL,
  created_at bigint NOT NULL
);

-- A message published to a topic is delivered through the outbox as deliveries of kind 'sns'. The widened check
-- holds for every existing row: added NOT VALID, then validated without blocking writes.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check CHECK (kind IN ('target', 'function', 'sns')) NOT VALID;
ALTER TABLE deliveries VALIDATE CONSTRAINT deliveries_kind_check;
`;
