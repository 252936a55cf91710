/**
 * The sealing half of migration 4 on PostgreSQL, as SQLite's migration 4 has it (src/store/sqlite/migrations.ts):
 * from here on every column that can hold customer data is sealed (src/store/sealing.ts), its row's key_id naming
 * the KMS key and NULL marking plaintext. events.payload, connections.auth_parameters, queue_messages.body and
 * dead_letter_fallback.body already are bytea with a key_id.
 */
export const SEALING_SQL = `
-- A delivery's input is sealed under its event's key; its last error (a function's error message can quote data)
-- goes to the sealed column error, last_error keeping the plaintext of rows from before.
ALTER TABLE deliveries ADD COLUMN key_id text, ADD COLUMN error bytea;

-- Attempt history: the target's answer and the error message may echo the event.
ALTER TABLE delivery_attempts
  ALTER COLUMN error_message TYPE bytea USING convert_to(error_message, 'UTF8'),
  ADD COLUMN key_id text;

-- Fallback dead letters: the attributes carry the error message too.
ALTER TABLE dead_letter_fallback ALTER COLUMN attributes TYPE bytea USING convert_to(attributes, 'UTF8');
`;
