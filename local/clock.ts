/**
 * Virtual time for the whole local-cloud process.
 *
 * `installVirtualClock()` swaps the global `Date` for a stand-in whose `Date.now()`, `new Date()` and
 * `Date()` (no arguments) read the virtual clock, so every in-process Lambda bundle and library sees
 * virtual time without any change. Everything else is the real `Date`:
 * - `new Date(x)`, `new Date(y, m, …)`, `Date.parse`, `Date.UTC` and every prototype method are the
 *   real ones (the stand-in shares `Date.prototype`), so `d instanceof Date` holds for dates made
 *   before, during and after the installation, and `class X extends Date` keeps working.
 * - Timers (`setTimeout`…), `performance.now()` and `process.hrtime()` stay real: code that must
 *   wait on virtual time subscribes to `onChange` and schedules real timers scaled by `timeScale`
 *   (see local/stepfunctions.ts).
 *
 * Virtual now = virtual now when the clock was installed (the real now for the first clock)
 *             + real elapsed time × timeScale + everything `advance`/`set` added. It never goes back.
 *
 * Installing is stack-safe: a second `installVirtualClock()` does not wrap the stand-in again; the
 * newest installed clock drives `Date` until it is uninstalled, then the one below takes over again.
 * When the last clock is uninstalled the original `Date` (the global property and
 * `Date.prototype.constructor`) is restored exactly. `uninstall()` twice is a no-op.
 */

export interface VirtualClock {
  /** Virtual epoch milliseconds (an integer, never decreasing). */
  now(): number;
  /** Jump forward by `ms` (≥ 0). Listeners run before it returns. */
  advance(ms: number): void;
  /** Jump to an instant that is not in the virtual past. Listeners run before it returns. */
  set(epochMs: number): void;
  /** Virtual ms per real ms (1 = real time, 0 = time only moves with advance/set). */
  readonly timeScale: number;
  /**
   * `listener` runs after every advance/set (so timers can re-check their deadlines). Returns an
   * unsubscribe function. A throwing listener does not stop the others; the error is rethrown from
   * advance/set once they all ran.
   */
  onChange(listener: () => void): () => void;
  /** Stop driving the global Date; the last one out restores the real Date. */
  uninstall(): void;
}

interface Installation {
  realDate: DateConstructor;
  globalDescriptor: PropertyDescriptor;
  realProtoConstructor: unknown;
  standIn: DateConstructor;
  stack: ClockImpl[];
}

let installation: Installation | undefined;

class ClockImpl implements VirtualClock {
  readonly timeScale: number;
  private readonly baseEpoch: number;
  private readonly basePerf: number;
  private offset = 0;
  private readonly listeners = new Set<() => void>();

  constructor(baseEpoch: number, timeScale: number) {
    this.baseEpoch = baseEpoch;
    this.basePerf = performance.now();
    this.timeScale = timeScale;
  }

  /** Unrounded virtual now. */
  raw(): number {
    return this.baseEpoch + (performance.now() - this.basePerf) * this.timeScale + this.offset;
  }

  now(): number {
    return Math.floor(this.raw());
  }

  advance(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`VirtualClock.advance: expected a finite number of milliseconds ≥ 0, got ${String(ms)}`);
    }
    this.offset += ms;
    this.emit();
  }

  set(epochMs: number): void {
    if (typeof epochMs !== 'number' || !Number.isFinite(epochMs)) {
      throw new RangeError(`VirtualClock.set: expected epoch milliseconds, got ${String(epochMs)}`);
    }
    const current = this.raw();
    if (epochMs < Math.floor(current)) {
      throw new RangeError(
        `VirtualClock.set: ${new (realDateConstructor())(epochMs).toISOString()} is before the virtual now ` +
          `${new (realDateConstructor())(Math.floor(current)).toISOString()}; the clock only moves forward`,
      );
    }
    this.offset += Math.max(0, epochMs - current);
    this.emit();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  uninstall(): void {
    const inst = installation;
    if (!inst) return;
    const i = inst.stack.indexOf(this);
    if (i < 0) return;
    inst.stack.splice(i, 1);
    if (inst.stack.length > 0) return;
    if (globalThis.Date === inst.standIn) {
      Object.defineProperty(globalThis, 'Date', inst.globalDescriptor);
    }
    // Somebody else replaced the global Date after us (e.g. fake timers): leave theirs in place.
    (inst.realDate.prototype as { constructor: unknown }).constructor = inst.realProtoConstructor;
    installation = undefined;
  }

  private emit(): void {
    const errors: unknown[] = [];
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} VirtualClock listeners failed`);
  }
}

/** The real Date constructor, whether or not a virtual clock is installed. */
export function realDateConstructor(): DateConstructor {
  return installation?.realDate ?? globalThis.Date;
}

/** The clock currently driving the global Date, if any. */
export function activeVirtualClock(): VirtualClock | undefined {
  return installation?.stack.at(-1);
}

export function installVirtualClock(opts?: { timeScale?: number }): VirtualClock {
  const timeScale = opts?.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale < 0) {
    throw new RangeError(`installVirtualClock: timeScale must be a finite number ≥ 0, got ${String(timeScale)}`);
  }
  const inst = installation ?? patchDate();
  const top = inst.stack.at(-1);
  const clock = new ClockImpl(top ? top.now() : inst.realDate.now(), timeScale);
  inst.stack.push(clock);
  return clock;
}

function patchDate(): Installation {
  const realDate = globalThis.Date;
  const globalDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Date') ?? {
    value: realDate,
    writable: true,
    enumerable: false,
    configurable: true,
  };
  const realProtoConstructor = (realDate.prototype as { constructor: unknown }).constructor;
  const stack: ClockImpl[] = [];
  const virtualNow = (): number => {
    const top = stack.at(-1);
    return top ? top.now() : realDate.now();
  };

  // A plain function (not a Proxy): spies and assignments such as `Date.now = …` land on the
  // stand-in and vanish with it, never on the real Date.
  // biome-ignore lint/suspicious/noShadowRestrictedNames: the stand-in must be called Date (Date.name, stack traces).
  const standIn = function Date(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) return new realDate(virtualNow()).toString(); // `Date()` → string
    return Reflect.construct(realDate, args.length === 0 ? [virtualNow()] : args, new.target);
  } as unknown as DateConstructor;
  Object.defineProperties(standIn, {
    prototype: { value: realDate.prototype, writable: false, enumerable: false, configurable: false },
    length: { value: realDate.length, writable: false, enumerable: false, configurable: true },
    now: { value: function now() { return virtualNow(); }, writable: true, enumerable: false, configurable: true },
    parse: { value: realDate.parse, writable: true, enumerable: false, configurable: true },
    UTC: { value: realDate.UTC, writable: true, enumerable: false, configurable: true },
  });

  Object.defineProperty(globalThis, 'Date', { ...globalDescriptor, value: standIn });
  (realDate.prototype as { constructor: unknown }).constructor = standIn;
  installation = { realDate, globalDescriptor, realProtoConstructor, standIn, stack };
  return installation;
}
