import { describe, expect, it } from 'vitest';
import { isoMs } from '../../worker/ingest/sync';

describe('isoMs', () => {
  it('reads venue timestamps exactly as Date.parse does, keeping sub-millisecond digits', () => {
    for (const t of ['2021-07-22T22:36:10.014Z', '2021-04-17T16:43:37.075Z', '2024-02-29T23:59:59.999Z', '1999-12-31T00:00:00.000Z', '2021-07-22T22:36:10.1Z']) {
      expect(isoMs(t, -1)).toBe(Date.parse(t));
    }
    expect(isoMs('2021-04-17T16:43:37.075687Z', -1)).toBe(Date.parse('2021-04-17T16:43:37.075Z') + 0.687);
    expect(isoMs('2021-04-17T16:43:37Z', -1)).toBe(Date.parse('2021-04-17T16:43:37Z'));
    expect([isoMs('2021-04-17T1x:43:37.075Z', -1), isoMs('garbage', -1), isoMs(5, -1), isoMs('2021-13-45T00:00:00.000Z', -1)]).toEqual([-1, -1, -1, -1]);
  });
});
