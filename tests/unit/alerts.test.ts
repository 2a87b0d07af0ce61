import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertBook, initialState, step, type Alert, type AlertState, type Firing, type Tick } from '../../shared/risk/alerts';

const alert = (id: string, rule: Alert['rule'], hysteresis = 0.01): Alert => ({ id, symbol: 'BTC-USDT', rule, hysteresis });
const ticks = (prices: number[]): Tick[] => prices.map((price, i) => ({ seq: i + 1, ts: 1_000 * (i + 1), price }));
const key = (f: Firing) => `${f.alertId}#${f.n}@${f.seq}`;

/** The oracle: every alert stepped over every tick once, in order. */
function oracle(alerts: Alert[], ts: Tick[]): string[] {
  const out: string[] = [];
  for (const a of alerts) {
    let s: AlertState = initialState();
    for (const t of ts) {
      const r = step(a, s, t);
      s = r.state;
      if (r.firing) out.push(key(r.firing));
    }
  }
  return out.sort();
}

describe('alert rules', () => {
  it('a cross fires once while price hovers at the level and re-arms only past the hysteresis band', () => {
    const book = new AlertBook();
    book.add(alert('x', { kind: 'cross', direction: 'above', level: 100 }, 0.01));
    const fired = ticks([99, 100, 99.5, 100.2, 99.9, 98.9, 100.5]).flatMap((t) => book.apply(t));
    expect(fired.map((f) => [f.n, f.price])).toEqual([[1, 100], [2, 100.5]]);
  });

  it('stop-loss and take-profit are one-shot; a trailing stop follows the best price', () => {
    const book = new AlertBook();
    book.add(alert('stop', { kind: 'stop', position: 'long', level: 95 }));
    book.add(alert('take', { kind: 'take', position: 'short', level: 90 }));
    book.add(alert('trail', { kind: 'trailing', position: 'long', distance: 0.05 }));
    const fired = ticks([100, 110, 104.6, 104.4, 94, 96, 89, 94]).flatMap((t) => book.apply(t)).map((f) => `${f.alertId}@${f.price}`);
    // trail: peak 110 → stop 104.5; fires at 104.4. stop fires at 94 only; take (short) at 89 only.
    expect(fired).toEqual(['trail@104.4', 'stop@94', 'take@89']);
    expect(book.state('stop')?.phase).toBe('done');
  });

  it('a % move inside the window fires, and re-arms when the move fades', () => {
    const a = alert('m', { kind: 'move', pct: 0.05, windowMs: 3_000 });
    let s = initialState();
    const fired: number[] = [];
    for (const t of ticks([100, 103, 105.5, 105, 105, 105, 105, 111])) {
      const r = step(a, s, t);
      s = r.state;
      if (r.firing) fired.push(t.seq);
    }
    expect(fired).toEqual([3, 8]);
  });
});

describe('volatility spike', () => {
  it('fires when the window\'s realized volatility reaches the threshold and re-arms when it calms', () => {
    const a = alert('v', { kind: 'vol', threshold: 0.03, windowMs: 3_000 });
    let s = initialState();
    const fired: number[] = [];
    // ln(102/100)² + ln(100/102)² → rv 0.028; the jump to 104 takes it over 0.03; calm prices let it fall away
    for (const t of ticks([100, 102, 100, 104, 104, 104, 104, 104, 110])) {
      const r = step(a, s, t);
      s = r.state;
      if (r.firing) fired.push(t.seq);
    }
    expect(fired).toEqual([4, 9]);
  });
});

describe('exactly once under duplicates, reordering and restarts', () => {
  const alertsArb = fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('cross' as const), direction: fc.constantFrom('above' as const, 'below' as const), level: fc.integer({ min: 90, max: 110 }) }),
      fc.record({ kind: fc.constant('stop' as const), position: fc.constantFrom('long' as const, 'short' as const), level: fc.integer({ min: 90, max: 110 }) }),
      fc.record({ kind: fc.constant('trailing' as const), position: fc.constantFrom('long' as const, 'short' as const), distance: fc.constantFrom(0.02, 0.05) }),
      fc.record({ kind: fc.constant('move' as const), pct: fc.constantFrom(0.03, 0.08), windowMs: fc.constantFrom(2_000, 5_000) }),
      fc.record({ kind: fc.constant('vol' as const), threshold: fc.constantFrom(0.02, 0.05), windowMs: fc.constantFrom(3_000, 6_000) }),
    ),
    { minLength: 1, maxLength: 12 },
  );

  it('every crossing fires exactly once, whatever the delivery does', () => {
    fc.assert(
      fc.property(
        alertsArb,
        fc.array(fc.integer({ min: 88, max: 112 }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 120 }),
        (rules, prices, chaos) => {
          const alerts = rules.map((r, i) => alert(`a${i}`, r, 0.005));
          const clean = ticks(prices);
          // Delivery: each tick at least once, some duplicated, swapped around, with restarts that lose
          // everything not yet committed (the early buffer) — then the hub resends from the last committed seq.
          const delivery = [...clean];
          const restarts = new Set<number>();
          for (const [i, j, restart] of chaos) {
            const a = i % delivery.length;
            const b = j % delivery.length;
            if (restart) restarts.add(a);
            else if (a % 3 === 0) delivery.splice(b, 0, delivery[a]!);
            else [delivery[a], delivery[b]] = [delivery[b]!, delivery[a]!];
          }
          const fired: Firing[] = [];
          let book = new AlertBook();
          for (const a of alerts) book.add(a);
          delivery.forEach((t, i) => {
            fired.push(...book.apply(t));
            if (restarts.has(i)) {
              // Persisted: nextSeq and each alert's state, committed with its outbox entries.
              const restored = new AlertBook(book.nextSeq);
              for (const a of alerts) restored.add(a, structuredClone(book.state(a.id)!));
              book = restored;
            }
          });
          for (const t of clean) if (t.seq >= book.nextSeq) fired.push(...book.apply(t)); // resend after the last commit
          expect(fired.map(key).sort()).toEqual(oracle(alerts, clean));
          expect(new Set(fired.map((f) => `${f.alertId}#${f.n}`)).size).toBe(fired.length);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('10,000 level alerts on one book evaluate the ones a tick reaches, not all of them', () => {
    const book = new AlertBook();
    for (let i = 0; i < 10_000; i++) book.add(alert(`u${i}`, { kind: 'cross', direction: 'above', level: 60_000 + i }));
    expect(book.apply({ seq: 1, ts: 1, price: 60_004.5 }).map((f) => f.alertId)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    expect(book.apply({ seq: 2, ts: 2, price: 60_004.5 })).toEqual([]);
  });
});
