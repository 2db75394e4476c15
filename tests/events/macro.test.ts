// POST/PUT /macros bodies: shape by zod, unknown placeholders and stray fallbacks refused by name.
import { describe, expect, it } from 'vitest';
import { parseMacroInput } from '#events/macro.ts';

describe('parseMacroInput', () => {
  it('accepts a macro with known placeholders, fallbacks, changes and categories', () => {
    const r = parseMacroInput({ name: ' Refund sent ', body: 'Hi {{requester.name}}', fallbacks: { 'requester.name': 'there' }, changes: { status: 'resolve', outcome: 'resolved', priority: 'P3' }, categories: ['gifts_coins', 'gifts_coins'] });
    expect(r).toEqual({ ok: true, macro: { name: 'Refund sent', body: 'Hi {{requester.name}}', fallbacks: { 'requester.name': 'there' }, changes: { status: 'resolve', outcome: 'resolved', priority: 'P3' }, categories: ['gifts_coins'] } });
  });

  it('refuses an unknown placeholder naming it', () => {
    const r = parseMacroInput({ name: 'x', body: 'Hi {{requester.phone}}' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems[0]?.field).toBe('body');
      expect(r.problems[0]?.message).toContain('{{requester.phone}}');
    }
  });

  it('refuses a fallback for a name outside the list, a resolve without outcome and bad fields', () => {
    const r = parseMacroInput({ name: 'x', body: 'ok', fallbacks: { nope: 'y' }, changes: { status: 'resolve' } });
    expect(r.ok ? [] : r.problems.map((p) => p.field)).toEqual(['fallbacks.nope', 'changes.outcome']);
    const bad = parseMacroInput({ name: '', body: 5, changes: { priority: 'P9' } });
    expect(bad.ok ? [] : bad.problems.map((p) => p.field).sort()).toEqual(['body', 'changes.priority', 'name']);
  });
});
