/**
 * Function registration: validation with the field named, Lambda's defaults, handler references.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionSpecError, parseHandler, resolveFunctionSpec } from '../../src/functions/spec.js';

describe('resolveFunctionSpec', () => {
  it("fills Lambda's defaults and freezes the result", () => {
    const spec = resolveFunctionSpec({ name: 'orders', handler: 'handlers/orders.js' });
    assert.deepEqual(spec, { name: 'orders', handler: 'handlers/orders.js', timeoutSeconds: 3, maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600 });
    assert.ok(Object.isFrozen(spec));
    const full = resolveFunctionSpec({
      name: 'orders',
      handler: 'h.js#run',
      timeoutSeconds: 900,
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 60,
      onFailure: 'arn:aws:sqs:us-east-1:000000000000:failed',
      onSuccess: 'arn:aws:events:us-east-1:000000000000:event-bus/done',
    });
    assert.equal(full.onFailure, 'arn:aws:sqs:us-east-1:000000000000:failed');
    assert.equal(full.onSuccess, 'arn:aws:events:us-east-1:000000000000:event-bus/done');
  });

  const invalid: [object, RegExp][] = [
    [{ handler: 'h.js' }, /name must be/],
    [{ name: 'bad name', handler: 'h.js' }, /name must be/],
    [{ name: 'f' }, /Function 'f': handler must name a module/],
    [{ name: 'f', handler: 'h.js', timeoutSeconds: 0 }, /timeoutSeconds must be a whole number from 1 to 900, got 0/],
    [{ name: 'f', handler: 'h.js', timeoutSeconds: 901 }, /timeoutSeconds/],
    [{ name: 'f', handler: 'h.js', maximumRetryAttempts: 3 }, /maximumRetryAttempts must be a whole number from 0 to 2/],
    [{ name: 'f', handler: 'h.js', maximumEventAgeInSeconds: 59 }, /maximumEventAgeInSeconds must be a whole number from 60 to 21600/],
    [{ name: 'f', handler: 'h.js', maximumEventAgeInSeconds: 21601 }, /maximumEventAgeInSeconds/],
    [{ name: 'f', handler: 'h.js', onFailure: 'arn:aws:s3:::bucket' }, /onFailure must be the ARN of an SQS queue/],
    [{ name: 'f', handler: 'h.js', timeout: 5 }, /unknown setting 'timeout'/],
  ];
  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => resolveFunctionSpec(input), (err: unknown) => err instanceof FunctionSpecError && message.test(err.message));
    });
  }

  it('reads module and export from a handler', () => {
    assert.deepEqual(parseHandler('a/b.js'), { module: 'a/b.js', exportName: 'handler' });
    assert.deepEqual(parseHandler('a/b.js#onOrder'), { module: 'a/b.js', exportName: 'onOrder' });
  });
});
