import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_USER_ID } from '../../model/index.ts';
import { parseUserId, userIdError } from '../user-id.ts';

describe('parseUserId', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['007', 7],
    ['1000000', 1_000_000],
    [String(MAX_USER_ID), MAX_USER_ID],
  ])('%j -> %d', (raw, id) => {
    expect(parseUserId(raw)).toBe(id);
  });

  it.each(['', '0', '0000', '-3', '+3', '1.5', '1e3', 'abc', ' 1', '1 ', '0x1f', String(MAX_USER_ID + 1), '99999999999999999999', '١'])(
    'refuses %j',
    (raw) => {
      expect(parseUserId(raw)).toBe(0);
    },
  );

  it('agrees with a regex-and-Number reference on any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[0-9]{1,11}$/)), (raw) => {
        const ref = /^[0-9]{1,10}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= MAX_USER_ID ? Number(raw) : 0;
        expect(parseUserId(raw)).toBe(ref);
      }),
    );
  });
});

describe('userIdError', () => {
  it('is one line even for hostile input, and cuts long input', () => {
    const msg = userIdError('a\r\nb'.repeat(50));
    expect(msg).not.toMatch(/[\r\n]/);
    expect(msg.length).toBeLessThan(200);
    expect(msg).toMatch(/positive integer/);
  });
});
