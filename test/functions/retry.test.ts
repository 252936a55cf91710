/**
 * Lambda's asynchronous-invocation schedule and the records its destinations receive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureRecord, functionErrorDelayMs, nextRetry, successRecord, throttleDelayMs } from '../../src/functions/retry.js';
import { functionArn } from '../../src/functions/spec.js';

const HOUR = 3_600_000;

describe('retry schedule', () => {
  it('waits about 1 then 2 minutes after function errors', () => {
    assert.equal(functionErrorDelayMs(1), 60_000);
    assert.equal(functionErrorDelayMs(2), 120_000);
  });

  it('backs off from 1 s, doubling, to at most 5 minutes after throttling', () => {
    assert.deepEqual([1, 2, 3, 8, 9, 10, 11, 500].map(throttleDelayMs), [1_000, 2_000, 4_000, 128_000, 256_000, 300_000, 300_000, 300_000]);
  });

  it('retries function errors maximumRetryAttempts times, then gives up with RetriesExhausted', () => {
    const spec = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600 };
    const t0 = 1_000_000;
    assert.deepEqual(nextRetry(spec, 'function-error', { enqueuedAt: t0, functionErrors: 1, throttles: 0 }, t0), { retry: true, at: t0 + 60_000 });
    assert.deepEqual(nextRetry(spec, 'timeout', { enqueuedAt: t0, functionErrors: 2, throttles: 0 }, t0 + 60_000), { retry: true, at: t0 + 180_000 });
    assert.deepEqual(nextRetry(spec, 'function-error', { enqueuedAt: t0, functionErrors: 3, throttles: 0 }, t0 + 180_000), { retry: false, condition: 'RetriesExhausted' });
    assert.deepEqual(nextRetry({ ...spec, maximumRetryAttempts: 0 }, 'function-error', { enqueuedAt: t0, functionErrors: 1, throttles: 0 }, t0), { retry: false, condition: 'RetriesExhausted' });
  });

  it('does not count throttles against maximumRetryAttempts, and stops at 6 hours of event age', () => {
    const spec = { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 21600 };
    let now = 0;
    let throttles = 0;
    for (;;) {
      const next = nextRetry(spec, 'throttled', { enqueuedAt: 0, functionErrors: 0, throttles: ++throttles }, now);
      if (!next.retry) {
        assert.equal(next.condition, 'EventAgeExceeded');
        break;
      }
      now = next.at;
    }
    assert.ok(now <= 6 * HOUR && now > 6 * HOUR - 300_000, `last attempt at ${now}`);
    // 9 growing waits (1 s .. 256 s), then one every 5 minutes until 6 hours.
    assert.equal(throttles - 1, 9 + Math.floor((6 * HOUR - 511_000) / 300_000));
  });

  it('gives up once the next attempt would come after maximumEventAgeInSeconds', () => {
    const spec = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 };
    assert.deepEqual(nextRetry(spec, 'function-error', { enqueuedAt: 0, functionErrors: 1, throttles: 0 }, 0), { retry: true, at: 60_000 });
    assert.deepEqual(nextRetry(spec, 'function-error', { enqueuedAt: 0, functionErrors: 1, throttles: 0 }, 1), { retry: false, condition: 'EventAgeExceeded' });
  });
});

describe('invocation records', () => {
  const input = { timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 678), requestId: 'req-1', functionArn: functionArn('orders'), approximateInvokeCount: 3, requestPayload: { id: 7 } };

  it('describes a failed event for the on-failure destination', () => {
    const record = failureRecord(input, 'RetriesExhausted', { ok: false, kind: 'function-error', errorType: 'Error', errorMessage: 'boom', trace: ['Error: boom'] });
    assert.deepEqual(record, {
      version: '1.0',
      timestamp: '2026-01-02T03:04:05.678Z',
      requestContext: { requestId: 'req-1', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:orders', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { id: 7 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'boom', trace: ['Error: boom'] },
    });
    const throttled = failureRecord(input, 'EventAgeExceeded', { ok: false, kind: 'throttled', errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', trace: [] });
    assert.deepEqual(throttled.responseContext, { statusCode: 429, executedVersion: '$LATEST' });
  });

  it('describes a successful event for the on-success destination', () => {
    const record = successRecord(input, { done: true });
    assert.equal(record.requestContext.condition, 'Success');
    assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
    assert.deepEqual(record.responsePayload, { done: true });
  });
});
