// Merging a duplicate case into the case that carries on (issue 13 point 3). Pure: the agent API reads both
// cases (the duplicate with its timeline), this decides both changes, and the store saves them in one
// transaction with both version checks, so a merge is whole or not at all.
// - The duplicate closes (outcome `duplicate`) with a pointer to the target (`mergedInto`); its lifecycle ends
//   (a closed case waits for nothing) and an escalation still paging anyone stands down. Its event,
//   `case.merged`, sends the requester the one email of the merge.
// - The target keeps its status, deadlines and SLA progress: only its timeline (`case.merged-in`, with the
//   duplicate's messages) and its attachments grow, and `mergedFrom` lists the duplicate. Its lifecycle is
//   not woken (nothing it waits on moved).
import type { Actor, CaseEvent, CaseRecord, MergeLink } from './case.ts';
import { commit, type Change } from './change.ts';
import { closePause, standDown, TransitionError } from './lifecycle.ts';

/** One message of the duplicate as the target's timeline shows it. */
export interface MergedMessage {
  at: string;
  from: 'requester' | 'agent';
  subject?: string;
  message: string;
}

/** The most messages one `case.merged-in` event carries (an item holds at most 400 KB); the rest are counted. */
export const MAX_MERGED_MESSAGES = 30;
/** Each merged message is cut to this many characters (the duplicate keeps the whole text). */
export const MAX_MERGED_MESSAGE_CHARS = 10_000;
/** The messages of one event hold at most this many characters in all (≤ 240 KB even at 4 bytes a character). */
export const MAX_MERGED_TOTAL_CHARS = 60_000;

/** The oldest messages that fit the event's limits (count and total size); the rest stay on the duplicate. */
function fitting(all: readonly MergedMessage[]): MergedMessage[] {
  const kept: MergedMessage[] = [];
  let chars = 0;
  for (const m of all) {
    chars += m.message.length + (m.subject?.length ?? 0);
    if (kept.length === MAX_MERGED_MESSAGES || chars > MAX_MERGED_TOTAL_CHARS) break;
    kept.push(m);
  }
  return kept;
}

const cut = (text: string) => (text.length > MAX_MERGED_MESSAGE_CHARS ? `${text.slice(0, MAX_MERGED_MESSAGE_CHARS - 1)}…` : text);

/** What the requester and the agents wrote on the duplicate, oldest first: its opening message, replies both ways. */
export function messagesOf(record: CaseRecord, events: readonly CaseEvent[]): MergedMessage[] {
  const messages: MergedMessage[] = [{ at: record.openedAt, from: 'requester', subject: record.subject, message: cut(record.message) }];
  for (const e of events) {
    const text = typeof e.data.message === 'string' ? e.data.message : undefined;
    if (text === undefined) continue;
    if (e.type === 'requester.replied') messages.push({ at: e.at, from: 'requester', ...(typeof e.data.subject === 'string' && { subject: e.data.subject }), message: cut(text) });
    else if (e.type === 'agent.replied' || e.type === 'agent.requested-info') messages.push({ at: e.at, from: 'agent', message: cut(text) });
  }
  return messages;
}

/**
 * Why the duplicate may not be merged into the target, or undefined when it may. Both must be the cases as
 * the agent saw them (their versions are checked apart from this).
 */
export function mergeRefusal(duplicate: CaseRecord, target: CaseRecord): string | undefined {
  if (duplicate.caseId === target.caseId) return 'A case cannot be merged into itself';
  if (duplicate.mergedInto) return `This case was merged into ${duplicate.mergedInto.reference} already`;
  if (duplicate.status === 'closed') return 'This case is closed; reopen it before merging it';
  if (duplicate.status === 'pending_approval') return 'This case is waiting for approval; approve or reject it first';
  if (target.mergedInto) return `${target.reference} was itself merged into ${target.mergedInto.reference}; merge into ${target.mergedInto.reference} instead`;
  if (target.status === 'closed') return `${target.reference} is closed; reopen it or merge into an open case`;
  return undefined;
}

/** Both changes of a merge, each the next version of its case; TransitionError (409) with the reason when it is refused. */
export function mergeCases(
  duplicate: { record: CaseRecord; events: readonly CaseEvent[] },
  target: CaseRecord,
  actor: Actor & { kind: 'agent' },
  now: Date,
): { duplicate: Change; target: Change } {
  const dup = duplicate.record;
  const refused = mergeRefusal(dup, target);
  if (refused) throw new TransitionError(refused);
  const at = now.toISOString();
  const into: MergeLink = { caseId: target.caseId, reference: target.reference, at };
  const from: MergeLink = { caseId: dup.caseId, reference: dup.reference, at };
  const all = messagesOf(dup, duplicate.events);
  const messages = fitting(all);
  const closed = commit(
    dup,
    {
      type: 'case.merged',
      data: { intoCaseId: target.caseId, intoReference: target.reference, from: dup.status },
      lifecycle: true,
      patch: {
        status: 'closed',
        closedAt: at,
        outcome: 'duplicate',
        mergedInto: into,
        pauses: closePause(dup.pauses, at),
        ...standDown(dup),
      },
    },
    actor,
    now,
  );
  const grown = commit(
    target,
    {
      type: 'case.merged-in',
      data: {
        fromCaseId: dup.caseId,
        fromReference: dup.reference,
        messages,
        ...(all.length > messages.length && { messagesOmitted: all.length - messages.length }),
        attachments: dup.attachments,
      },
      // Status, deadlines and SLA progress stand: the target's lifecycle has nothing new to wait for.
      lifecycle: false,
      patch: {
        attachments: [...target.attachments, ...dup.attachments],
        mergedFrom: [...(target.mergedFrom ?? []), from],
      },
    },
    actor,
    now,
  );
  return { duplicate: closed, target: grown };
}

/** At most this many merge pointers are followed from a thread to the case that carries on. */
export const MAX_MERGE_HOPS = 5;
