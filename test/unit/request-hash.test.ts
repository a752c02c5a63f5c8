import assert from 'node:assert/strict';
import { requestHash } from '../../commands/request-hash';

describe('request hash', () => {
  it('is independent of key order at every depth', () => {
    assert.equal(requestHash({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }), requestHash({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
  });
  it('differs when a value differs', () => {
    assert.notEqual(requestHash({ a: 1 }), requestHash({ a: 2 }));
    assert.notEqual(requestHash({ a: [1, 2] }), requestHash({ a: [2, 1] }));
  });
});
