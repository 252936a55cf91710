/**
 * Migration 7's SQL: SNS topics, their subscriptions and the message-signing key. Kept in its own file so the
 * migration list stays a list; see migrations.ts for the conventions, and src/store/topics.ts for what the tables
 * are for. The migration also widens the deliveries' kind constraint to 'sns' (delivery-kinds.ts).
 */
export const TOPICS_SQL = `
-- Keyed by ARN: the same name may be a topic in two regions. attributes: what CreateTopic/SetTopicAttributes set,
-- as a JSON object of strings. Tags live in the shared tags table.
CREATE TABLE topics (
  arn TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  attributes TEXT NOT NULL,
  subscriptions_deleted INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_modified_at INTEGER NOT NULL
) STRICT;

-- A subscription's ARN is its topic's ARN plus ':<uuid>', so a topic's subscriptions are an ARN range. One
-- subscription per topic, protocol and endpoint: subscribing again returns it. token: the confirmation token
-- (kept after confirming, so a repeated ConfirmSubscription gets the same answer).
CREATE TABLE subscriptions (
  arn TEXT PRIMARY KEY,
  topic_arn TEXT NOT NULL REFERENCES topics (arn) ON DELETE CASCADE,
  protocol TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  attributes TEXT NOT NULL,
  pending_confirmation INTEGER NOT NULL,
  confirmation_was_authenticated INTEGER NOT NULL DEFAULT 0,
  token TEXT,
  token_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (topic_arn, protocol, endpoint)
) STRICT;

CREATE UNIQUE INDEX subscriptions_by_token ON subscriptions (token) WHERE token IS NOT NULL;

-- The key that signs SNS messages, made at first start; one row. private_key is a BLOB with a key_id so it can be
-- sealed like the other secrets.
CREATE TABLE sns_signing_keys (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  private_key BLOB NOT NULL,
  key_id TEXT,
  certificate TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
`;
