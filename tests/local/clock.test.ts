import { afterEach, describe, expect, it } from 'vitest';
import { activeVirtualClock, installVirtualClock, realDateConstructor, type VirtualClock } from '../../local/clock.ts';

const RealDate = globalThis.Date;
const realDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Date');
const realNow = RealDate.now;
const DAY = 86_400_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('virtual clock', () => {
  const installed: VirtualClock[] = [];
  const install = (opts?: { timeScale?: number }) => {
    const clock = installVirtualClock(opts);
    installed.push(clock);
    return clock;
  };
  afterEach(() => {
    for (const clock of installed.reverse()) clock.uninstall();
    installed.length = 0;
    expect(globalThis.Date).toBe(RealDate);
  });

  it('moves Date.now() and new Date() with advance, never Date(x), parse or UTC', () => {
    const clock = install();
    const before = Date.now();
    clock.advance(DAY);
    expect(Date.now() - before).toBeGreaterThanOrEqual(DAY);
    // biome-ignore lint/complexity/useDateNow: this checks the no-argument Date constructor, not Date.now
    expect(new Date().getTime() - before).toBeGreaterThanOrEqual(DAY);
    expect(clock.now()).toBeGreaterThanOrEqual(before + DAY);
    expect(RealDate.now()).toBeLessThan(before + DAY); // the real time did not move
    expect(new Date(0).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(new Date(2026, 10, 25).getFullYear()).toBe(2026);
    expect(new Date('2026-11-25T10:00:00Z').getTime()).toBe(RealDate.parse('2026-11-25T10:00:00Z'));
    expect(Date.parse).toBe(RealDate.parse);
    expect(Date.UTC).toBe(RealDate.UTC);
    expect(Date.UTC(2026, 0, 1)).toBe(1_767_225_600_000);
  });

  it('set jumps to an instant; Date() strings follow; the clock refuses to go back', () => {
    const clock = install();
    const target = RealDate.parse('2031-03-01T09:30:00Z');
    clock.set(target);
    expect(Date.now()).toBeGreaterThanOrEqual(target);
    expect(new Date().getUTCFullYear()).toBe(2031);
    expect(Date()).toContain('2031');
    expect(() => clock.set(target - DAY)).toThrow(RangeError);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(new Date().getUTCFullYear()).toBe(2031); // the refused moves changed nothing
  });

  it('keeps instanceof, prototype and subclassing working for dates made before, during and after', () => {
    const before = new RealDate();
    const clock = install();
    const during = new Date();
    class Deadline extends Date {
      label = 'sla';
    }
    const deadline = new Deadline();
    expect(before).toBeInstanceOf(Date);
    expect(during).toBeInstanceOf(Date);
    expect(during).toBeInstanceOf(RealDate);
    expect(deadline).toBeInstanceOf(Deadline);
    expect(deadline).toBeInstanceOf(Date);
    expect(deadline.label).toBe('sla');
    expect(Math.abs(deadline.getTime() - clock.now())).toBeLessThan(1000);
    expect(Object.getPrototypeOf(during)).toBe(RealDate.prototype);
    expect(Date.prototype).toBe(RealDate.prototype);
    expect(during.constructor).toBe(Date);
    expect(Object.prototype.toString.call(during)).toBe('[object Date]');
    expect(Date.name).toBe('Date');
    clock.uninstall();
    expect(during).toBeInstanceOf(Date);
    expect(during.constructor).toBe(RealDate);
    expect(new Date()).toBeInstanceOf(RealDate);
  });

  it('runs timeScale virtual ms per real ms; timeScale 0 stands still', async () => {
    const fast = install({ timeScale: 1000 });
    expect(fast.timeScale).toBe(1000);
    const a = Date.now();
    const p0 = performance.now();
    await sleep(20);
    const p1 = performance.now();
    const b = Date.now();
    expect(b - a).toBeGreaterThanOrEqual(Math.floor((p1 - p0) * 1000) - 1);
    fast.uninstall();

    const frozen = install({ timeScale: 0 });
    const c = Date.now();
    await sleep(15);
    expect(Date.now()).toBe(c);
    frozen.advance(5000);
    expect(Date.now()).toBe(c + 5000);
  });

  it('calls onChange listeners after advance and set, until unsubscribed; a throwing listener does not stop the others', () => {
    const clock = install({ timeScale: 0 });
    const seen: number[] = [];
    const off = clock.onChange(() => seen.push(clock.now()));
    const start = clock.now();
    clock.advance(1000);
    clock.set(start + 5000);
    expect(seen).toEqual([start + 1000, start + 5000]);
    off();
    clock.advance(1);
    expect(seen).toHaveLength(2);

    let ran = false;
    clock.onChange(() => {
      throw new Error('listener broke');
    });
    clock.onChange(() => {
      ran = true;
    });
    expect(() => clock.advance(1)).toThrow('listener broke');
    expect(ran).toBe(true);
    expect(clock.now()).toBe(start + 5002);
  });

  it('stacks: the newest clock drives Date, out-of-order uninstall is safe, the last one restores the real Date exactly', () => {
    const outer = install({ timeScale: 0 });
    outer.advance(DAY);
    const inner = install({ timeScale: 0 });
    expect(activeVirtualClock()).toBe(inner);
    expect(inner.now()).toBe(outer.now()); // starts where time was: never backwards
    inner.advance(DAY);
    expect(Date.now()).toBe(inner.now());
    expect(realDateConstructor()).toBe(RealDate);

    outer.uninstall();
    expect(globalThis.Date).not.toBe(RealDate);
    expect(Date.now()).toBe(inner.now());
    outer.uninstall(); // twice: no-op

    inner.uninstall();
    expect(globalThis.Date).toBe(RealDate);
    expect(Object.getOwnPropertyDescriptor(globalThis, 'Date')).toEqual(realDescriptor);
    expect(RealDate.prototype.constructor).toBe(RealDate);
    expect(RealDate.now).toBe(realNow);
    expect(activeVirtualClock()).toBeUndefined();
  });

  it('assignments to Date.now while installed vanish with the stand-in', () => {
    const clock = install();
    (Date as { now: () => number }).now = () => 42;
    expect(Date.now()).toBe(42);
    clock.uninstall();
    expect(Date.now).toBe(realNow);
    expect(Date.now()).toBeGreaterThan(1_700_000_000_000);
  });

  it('rejects a negative or non-finite timeScale', () => {
    expect(() => installVirtualClock({ timeScale: -1 })).toThrow(RangeError);
    expect(() => installVirtualClock({ timeScale: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(globalThis.Date).toBe(RealDate);
  });
});
