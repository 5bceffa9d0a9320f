import { describe, expect, it } from 'vitest';
import { canonicalJson, hashOf, sha256Hex } from '../../core/hash.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: 2, c: 1 }] })).toBe('{"a":[3,{"c":1,"d":2}],"b":1}');
    expect(canonicalJson([2, 1])).toBe('[2,1]');
  });

  it('drops undefined fields, so an absent and an undefined field hash alike', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(hashOf({ a: 1, b: undefined })).toBe(hashOf({ a: 1 }));
  });

  it('keeps a "__proto__" key as data instead of losing it', () => {
    const withProto = JSON.parse('{"__proto__":{"a":1},"b":2}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"a":1},"b":2}');
    expect(hashOf(withProto)).not.toBe(hashOf({ b: 2 }));
  });

  it('honours toJSON like JSON.stringify', () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(hashOf({ at: new Date(0) })).not.toBe(hashOf({ at: new Date(1) }));
  });
});

describe('hashOf', () => {
  it('is insensitive to key order and sensitive to values', () => {
    expect(hashOf({ x: 1, y: [1, 2] })).toBe(hashOf({ y: [1, 2], x: 1 }));
    expect(hashOf({ x: 1, y: [1, 2] })).not.toBe(hashOf({ x: 1, y: [2, 1] }));
    expect(hashOf({ x: 1 })).not.toBe(hashOf({ x: '1' }));
  });

  it('golden values', () => {
    expect(hashOf({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('114a55e6e68c6fa0');
    expect(hashOf({})).toBe('44136fa355b3678a');
    expect(hashOf([1, 'a', null, true])).toBe('26aedb538fb2c3ea');
    expect(hashOf('x', 64)).toBe('ba2df4903a2c14e86dc3bcca58911b44ac1d2514b7227bf6eb08cfb978f55a1b');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
