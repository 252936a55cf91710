/**
 * Queue names from QueueUrls: the last path segment, whatever the host, port, scheme or query; a URL whose last
 * segment cannot be a queue name names no queue.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ServiceError } from '../../src/errors.js';
import { queueNameOfUrl } from '../../src/queues/names.js';

it('takes the queue name from the last path segment of a QueueUrl, or a bare name', () => {
  const cases: [string, string][] = [
    ['http://localhost:4010/000000000000/orders', 'orders'],
    ['https://sqs.us-east-1.amazonaws.com/123456789012/My-Queue_1', 'My-Queue_1'],
    ['HTTP://host/orders', 'orders'],
    ['orders', 'orders'],
    ['/000000000000/orders/', 'orders'],
    ['http://host/000000000000/orders?Action=SendMessage&x=/y', 'orders'],
    ['http://host/000000000000/orders#/frag', 'orders'],
    ['a//orders', 'orders'],
  ];
  for (const [url, name] of cases) assert.equal(queueNameOfUrl(url), name, url);
});

it('answers QueueDoesNotExist for a URL with no queue name in it', () => {
  for (const url of ['http://orders', 'http://host/', '', 'http://host/000000000000/orders.fifo', `http://host/${'a'.repeat(81)}`, 'http://host/a%2Fb']) {
    assert.throws(() => queueNameOfUrl(url), (err) => err instanceof ServiceError && err.code === 'QueueDoesNotExist', url);
  }
});
