import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '../../src/errors.js';
import { check, int, list, str, struct } from '../../src/protocols/shape.js';

const shape = struct(
  {
    Name: str({ min: 1, max: 4, pattern: /^[a-z]+$/ }),
    Targets: list(struct({ RetryPolicy: struct({ MaximumRetryAttempts: int({ min: 0, max: 185 }) }) }), { max: 2 }),
    State: str({ enum: ['ENABLED', 'DISABLED'] }),
  },
  ['Name'],
);

function violation(input: unknown): ServiceError {
  try {
    check(input, shape);
  } catch (err) {
    assert.ok(err instanceof ServiceError);
    return err;
  }
  assert.fail('expected a ServiceError');
}

describe('shape checks', () => {
  it('accepts a valid input and ignores unknown members', () => {
    assert.deepEqual(check({ Name: 'ab', Extra: 1 }, shape), { Name: 'ab', Extra: 1 });
  });

  it('reports missing members in AWS wording', () => {
    const err = violation({});
    assert.equal(err.code, 'ValidationException');
    assert.equal(err.message, "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
  });

  it('collects every violation, with lowerCamel member paths through lists', () => {
    const err = violation({ Name: 'TOOLONG', Targets: [{ RetryPolicy: { MaximumRetryAttempts: 186 } }], State: 'ON' });
    assert.match(err.message, /^4 validation errors detected: /);
    assert.match(err.message, /Value 'TOOLONG' at 'name' failed to satisfy constraint: Member must have length less than or equal to 4/);
    assert.match(err.message, /Member must satisfy regular expression pattern: \[a-z\]\+/);
    assert.match(err.message, /Value '186' at 'targets\.1\.member\.retryPolicy\.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185/);
    assert.match(err.message, /Member must satisfy enum value set: \[ENABLED, DISABLED\]/);
  });

  it('treats a wrong JSON type as a serialization error', () => {
    assert.equal(violation({ Name: 5 }).code, 'SerializationException');
    assert.equal(violation({ Name: 'a', Targets: {} }).code, 'SerializationException');
    assert.equal(violation({ Name: 'a', Targets: [{ RetryPolicy: { MaximumRetryAttempts: 1.5 } }] }).code, 'SerializationException');
  });
});
