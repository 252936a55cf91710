import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '../../src/errors.js';
import { bool, check, double, int, list, map, str, struct, timestamp, type Shape } from '../../src/protocols/shape.js';

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

  // check() clears a valid input with a quick yes/no pass and walks only a failing one for its messages: every
  // constraint, at any depth, must still fail it.
  it('finds a single violation of any kind, however deep', () => {
    const deep = (leaf: Shape) => struct({ Items: list(struct({ Tags: map(struct({ Value: leaf })) })) });
    const at = (value: unknown) => ({ Items: [{ Tags: { a: { Value: value } } }] });
    const cases: [Shape, unknown, unknown, string][] = [
      [str({ min: 2 }), 'ab', 'a', 'ValidationException'],
      [str({ max: 2 }), 'ab', 'abc', 'ValidationException'],
      [str({ pattern: /^[a-z]+$/ }), 'ab', 'AB', 'ValidationException'],
      [str({ enum: ['ON'] }), 'ON', 'OFF', 'ValidationException'],
      [str(), 'ab', 1, 'SerializationException'],
      [int({ min: 1 }), 1, 0, 'ValidationException'],
      [int({ max: 1 }), 1, 2, 'ValidationException'],
      [int(), 1, 1.5, 'SerializationException'],
      [bool, false, 'false', 'SerializationException'],
      [double, 'NaN', 'x', 'SerializationException'],
      [timestamp, '2024-01-01T00:00:00Z', 'yesterday', 'SerializationException'],
      [list(str(), { min: 1 }), ['a'], [], 'ValidationException'],
      [list(str(), { max: 1 }), ['a'], ['a', 'b'], 'ValidationException'],
      [map(str(), { max: 1 }), { a: 'x' }, { a: 'x', b: 'y' }, 'ValidationException'],
      [struct({ A: str() }, ['A']), { A: 'x' }, { B: 'x' }, 'ValidationException'],
    ];
    for (const [leaf, good, bad, code] of cases) {
      const shape = deep(leaf);
      assert.deepEqual(check(at(good), shape), at(good));
      assert.throws(() => check(at(bad), shape), (err) => err instanceof ServiceError && err.code === code, `${JSON.stringify(leaf)} let ${JSON.stringify(bad)} through`);
    }
  });
});
