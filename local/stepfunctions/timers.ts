// Timers on the local cloud's virtual clock: a deadline fires once clock.now() reaches it, whether
// real time passes (scaled by timeScale) or the clock is advanced or set. Task timeouts, Wait states and
// execution timeouts of local Step Functions run on these.
import type { VirtualClock } from '../clock.ts';
import { MAX_TIMER_MS } from './emulator.ts';

interface TimerEntry {
  deadline: number;
  fire(): void;
  timer?: NodeJS.Timeout;
}

export class VirtualTimers {
  private readonly entries = new Set<TimerEntry>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly clock: VirtualClock,
    private readonly log: (line: string) => void,
  ) {
    this.unsubscribe = clock.onChange(() => this.recheck());
  }

  /** Calls `fire` once the virtual clock reaches `deadline`; returns a cancel function. */
  add(deadline: number, fire: () => void): () => void {
    const entry: TimerEntry = { deadline, fire };
    this.entries.add(entry);
    this.arm(entry);
    return () => {
      clearTimeout(entry.timer);
      this.entries.delete(entry);
    };
  }

  recheck(): void {
    for (const entry of [...this.entries]) this.arm(entry);
  }

  close(): void {
    this.unsubscribe();
    for (const entry of this.entries) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private arm(entry: TimerEntry): void {
    if (!this.entries.has(entry)) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const remaining = entry.deadline - this.clock.now();
    if (remaining <= 0) {
      this.entries.delete(entry);
      try {
        entry.fire();
      } catch (error) {
        this.log(`states: a timer failed: ${(error as Error).stack ?? String(error)}`);
      }
      return;
    }
    if (this.clock.timeScale <= 0) return; // only advance/set move this clock
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(remaining / this.clock.timeScale)));
    entry.timer = setTimeout(() => this.arm(entry), delay);
    entry.timer.unref();
  }
}
