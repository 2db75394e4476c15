// An in-memory Ledger, faithful to the port's contract as the DynamoDB adapter keeps it: idempotent by
// transactionId + status (the same or an earlier status again is a duplicate, a status further along is an
// update), and reads bounded and ordered as the port promises (tests/functions/ledger-contract.ts). Shared by the
// ledger's contract tests and the evidence use case's tests, so both sides hold the same behaviour.
import { movesForward, type LedgerTransaction } from '#domain/ledger/transaction.ts';
import type { Ledger, LedgerEraser, RecordOutcome } from '#lib/ports.ts';

export class InMemoryLedger implements Ledger, LedgerEraser {
  readonly transactions = new Map<string, LedgerTransaction>();
  /** Reads answered, by method: what a test of "one Query per lookup" counts. */
  readonly reads: string[] = [];
  /** Set to make every call fail (a ledger that is down). */
  failWith?: Error;

  async record(transaction: LedgerTransaction): Promise<RecordOutcome> {
    this.check();
    const known = this.transactions.get(transaction.transactionId);
    if (known && !movesForward(known.status, transaction.status)) return 'duplicate';
    this.transactions.set(transaction.transactionId, structuredClone(transaction));
    return known ? 'updated' : 'recorded';
  }

  async recordAll(transactions: LedgerTransaction[]): Promise<number> {
    this.check();
    let changed = 0;
    for (const transaction of transactions) if ((await this.record(transaction)) !== 'duplicate') changed++;
    return changed;
  }

  async transactionsById(transactionIds: string[]): Promise<LedgerTransaction[]> {
    this.check();
    this.reads.push('transactionsById');
    return [...new Set(transactionIds)].slice(0, 100).flatMap((id) => {
      const found = this.transactions.get(id);
      return found ? [structuredClone(found)] : [];
    });
  }

  async transaction(transactionId: string): Promise<LedgerTransaction | undefined> {
    this.check();
    this.reads.push('transaction');
    const found = this.transactions.get(transactionId);
    return found && structuredClone(found);
  }

  async transactionsOf(userId: string, window: { from: string; to: string; limit: number; keep?: 'oldest' | 'newest' }): Promise<LedgerTransaction[]> {
    this.check();
    this.reads.push('transactionsOf');
    const rows = this.all()
      .filter((t) => t.userId === userId && t.occurredAt >= window.from && t.occurredAt <= window.to)
      .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    return window.keep === 'newest' ? rows.slice(Math.max(0, rows.length - window.limit)) : rows.slice(0, window.limit);
  }

  async transactionsOnInstrument(instrument: string, limit: number): Promise<LedgerTransaction[]> {
    this.check();
    this.reads.push('transactionsOnInstrument');
    return newestFirst(this.all().filter((t) => t.instrument === instrument)).slice(0, limit);
  }

  async transactionsOnDevice(deviceId: string, limit: number): Promise<LedgerTransaction[]> {
    this.check();
    this.reads.push('transactionsOnDevice');
    return newestFirst(this.all().filter((t) => t.deviceId === deviceId)).slice(0, limit);
  }

  async forgetUser(userId: string): Promise<number> {
    this.check();
    const theirs = [...this.transactions.values()].filter((t) => t.userId === userId);
    for (const t of theirs) this.transactions.delete(t.transactionId);
    return theirs.length;
  }

  private all(): LedgerTransaction[] {
    return [...this.transactions.values()].map((t) => structuredClone(t));
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }
}

function newestFirst(transactions: LedgerTransaction[]): LedgerTransaction[] {
  return transactions.sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));
}
