// POST /cases/{caseId}/actions bodies: one schema per action type, the version the agent saw, safe text.
import { describe, expect, it } from 'vitest';
import { ACTION_TYPES, parseAgentAction } from '#events/agent-action.ts';
import { ROLE_RIGHTS } from '#domain/lifecycle.ts';

const valid = {
  reply: { type: 'reply', message: 'We refunded the coins.\nPlease check your balance.' },
  'request-info': { type: 'request-info', message: 'Which card did you use?' },
  note: { type: 'note', note: 'Chargeback pending with the bank.' },
  assign: { type: 'assign', assignee: 'agent-7' },
  escalate: { type: 'escalate', reason: 'Creator with 2M followers' },
  acknowledge: { type: 'acknowledge' },
  resolve: { type: 'resolve', outcome: 'confirmed_risk', summary: 'Stolen card; account banned.' },
  reopen: { type: 'reopen', reason: 'Charged again' },
  'change-priority': { type: 'change-priority', priority: 'P1', reason: 'Account takeover' },
  approve: { type: 'approve' },
  reject: { type: 'reject', note: 'The card was the account owner\'s; not a confirmed risk.' },
  consult: { type: 'consult', team: 'payments', question: 'Did payout PO-881 leave the bank?', blocking: true },
  'legal-hold': { type: 'legal-hold', reason: 'Subpoena from the payment partner' },
  'release-hold': { type: 'release-hold', reason: 'Matter closed' },
  'apply-macro': { type: 'apply-macro', macroId: '6f1c2b9e-8d4a-4c7e-9b1a-2f3e4d5c6b7a' },
  'link-incident': { type: 'link-incident', incidentCaseId: '0c4f7a52-1d3e-4b8a-9f60-7e2d1c3b4a59' },
  'resolve-linked': { type: 'resolve-linked', message: 'The outage is fixed; your gifts were credited.', outcome: 'resolved' },
  merge: { type: 'merge', intoCaseId: 'TD-7K3Q9X', intoExpectedVersion: 3 },
} as const;

const problems = (input: unknown) => {
  const result = parseAgentAction(input);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.action)}`);
  return result.problems;
};
const fieldsOf = (input: unknown) => problems(input).map((p) => p.field);

describe('consult', () => {
  it('names the team, question and blocking fields that are wrong', () => {
    expect(problems({ type: 'consult', team: 'Payments Team', question: ' ', blocking: 'yes', expectedVersion: 1 })).toEqual([
      { field: 'team', message: 'must be the name of a team in config/teams.json' },
      { field: 'question', message: 'is required' },
      { field: 'blocking', message: 'must be true or false' },
    ]);
  });
});

describe('incident actions', () => {
  it('link-incident names an incidentCaseId that is no case id', () => {
    expect(problems({ type: 'link-incident', incidentCaseId: 'TD-ABC123', expectedVersion: 1 })).toEqual([{ field: 'incidentCaseId', message: 'must be the id of an incident case' }]);
    expect(fieldsOf({ type: 'link-incident', expectedVersion: 1 })).toEqual(['incidentCaseId']);
  });

  it('resolve-linked names a blank message and an unknown outcome', () => {
    expect(problems({ type: 'resolve-linked', message: '  ', outcome: 'fixed', expectedVersion: 1 })).toEqual([
      { field: 'message', message: 'is required' },
      { field: 'outcome', message: 'must be one of resolved, confirmed_risk, false_positive, duplicate' },
    ]);
    expect(fieldsOf({ type: 'resolve-linked', message: 'x'.repeat(2_001), outcome: 'resolved', expectedVersion: 1 })).toEqual(['message']);
  });
});

describe('merge', () => {
  it('takes the target by id or by reference, in any case, trimmed', () => {
    expect(parseAgentAction({ type: 'merge', intoCaseId: ' td-7k3q9x ', intoExpectedVersion: 2, expectedVersion: 1 })).toEqual({ ok: true, action: { type: 'merge', intoCaseId: 'TD-7K3Q9X', intoExpectedVersion: 2 }, expectedVersion: 1 });
    expect(parseAgentAction({ type: 'merge', intoCaseId: '6F1C2B9E-8D4A-4C7E-9B1A-2F3E4D5C6B7A', intoExpectedVersion: 2, expectedVersion: 1 })).toEqual({
      ok: true,
      action: { type: 'merge', intoCaseId: '6f1c2b9e-8d4a-4c7e-9b1a-2f3e4d5c6b7a', intoExpectedVersion: 2 },
      expectedVersion: 1,
    });
  });

  it('names intoCaseId and intoExpectedVersion when they are wrong or missing', () => {
    expect(problems({ type: 'merge', intoCaseId: 'the other one', expectedVersion: 1 })).toEqual([
      { field: 'intoCaseId', message: 'must be the id or the reference (TD-…) of the case to merge into' },
      { field: 'intoExpectedVersion', message: 'must be the version of the case to merge into' },
    ]);
    expect(fieldsOf({ type: 'merge', intoCaseId: 7, intoExpectedVersion: 0, expectedVersion: 1 })).toEqual(['intoCaseId', 'intoExpectedVersion']);
    expect(fieldsOf({ type: 'merge', intoCaseId: 'TD-7K3Q9I', intoExpectedVersion: 1.5, expectedVersion: 1 })).toEqual(['intoCaseId', 'intoExpectedVersion']);
  });
});

describe('valid actions', () => {
  it('covers every action the domain knows', () => {
    expect([...ACTION_TYPES].sort()).toEqual(Object.keys(ROLE_RIGHTS).sort());
    expect(Object.keys(valid).sort()).toEqual([...ACTION_TYPES].sort());
  });

  it.each(Object.values(valid))('$type is accepted; the action comes back without the version', (body) => {
    expect(parseAgentAction({ ...body, expectedVersion: 4 })).toEqual({ ok: true, action: body, expectedVersion: 4 });
  });

  it('optional fields may be left out', () => {
    expect(parseAgentAction({ type: 'resolve', outcome: 'duplicate', expectedVersion: 1 })).toEqual({ ok: true, action: { type: 'resolve', outcome: 'duplicate' }, expectedVersion: 1 });
    expect(parseAgentAction({ type: 'reopen', expectedVersion: 1 })).toEqual({ ok: true, action: { type: 'reopen' }, expectedVersion: 1 });
    expect(parseAgentAction({ type: 'change-priority', priority: 'P4', expectedVersion: 1 })).toEqual({ ok: true, action: { type: 'change-priority', priority: 'P4' }, expectedVersion: 1 });
  });

  it('drops fields that do not belong to the action', () => {
    const result = parseAgentAction({ type: 'note', note: 'n', expectedVersion: 2, priority: 'P1', status: 'closed' });
    expect(result).toEqual({ ok: true, action: { type: 'note', note: 'n' }, expectedVersion: 2 });
  });
});

describe('type', () => {
  it.each([
    ['unknown', { type: 'close', expectedVersion: 1 }],
    ['missing', { message: 'hi', expectedVersion: 1 }],
    ['not a string', { type: 3, expectedVersion: 1 }],
    ['differently cased', { type: 'Reply', message: 'hi', expectedVersion: 1 }],
    ['a prototype key', { type: 'toString', expectedVersion: 1 }],
  ])('%s type → one problem on "type" listing the actions', (_name, body) => {
    expect(problems(body)).toEqual([{ field: 'type', message: `must be one of ${ACTION_TYPES.join(', ')}` }]);
  });

  it.each([null, undefined, 'reply', 42, ['reply']])('a body that is not an object (%j) → problem on "type"', (body) => {
    expect(fieldsOf(body)).toEqual(['type']);
  });
});

describe('expectedVersion', () => {
  it('is required for every action', () => {
    for (const body of Object.values(valid)) {
      expect(problems(body)).toEqual([{ field: 'expectedVersion', message: 'must be the case version you are acting on' }]);
    }
  });

  it.each([
    [0, 'must be at least 1'],
    [-2, 'must be at least 1'],
    [1.5, 'must be a whole number'],
    ['3', 'must be the case version you are acting on'],
    [null, 'must be the case version you are acting on'],
  ])('%j is refused: %s', (expectedVersion, message) => {
    expect(problems({ type: 'acknowledge', expectedVersion })).toEqual([{ field: 'expectedVersion', message }]);
  });
});

describe('enums', () => {
  it.each(['maybe', 'RESOLVED', '', undefined])('resolve with outcome %j → problem on "outcome"', (outcome) => {
    expect(problems({ type: 'resolve', outcome, expectedVersion: 1 })).toEqual([{ field: 'outcome', message: 'must be one of resolved, confirmed_risk, false_positive, duplicate' }]);
  });

  it.each(['P5', 'p1', 'P0', 1, undefined])('change-priority to %j → problem on "priority"', (priority) => {
    expect(problems({ type: 'change-priority', priority, expectedVersion: 1 })).toEqual([{ field: 'priority', message: 'must be one of P1, P2, P3, P4' }]);
  });
});

describe('text', () => {
  const lineFields = [
    ['assign', 'assignee'],
    ['escalate', 'reason'],
    ['reopen', 'reason'],
    ['change-priority', 'reason'],
  ] as const;

  describe.each(lineFields)('%s.%s is a single line', (type, field) => {
    it.each(['agent\r\nBcc: x@evil.example', 'agent\nseven', 'agent\rseven', 'tab\there', 'nul\u0000', 'bidi\u202Eevil', 'zero\u200Bwidth', 'sep\u2028line'])('refuses %j', (value) => {
      expect(problems({ ...valid[type], [field]: value, expectedVersion: 1 })).toEqual([{ field, message: 'must be a single line of text' }]);
    });

    it('accepts unicode text on one line', () => {
      expect(parseAgentAction({ ...valid[type], [field]: 'Zoë — 日本語 ✓', expectedVersion: 1 }).ok).toBe(true);
    });
  });

  it.each([
    ['reply', 'message'],
    ['request-info', 'message'],
    ['note', 'note'],
    ['resolve', 'summary'],
  ] as const)('%s.%s may span lines but holds no other control characters', (type, field) => {
    expect(parseAgentAction({ ...valid[type], [field]: 'Line one\r\nLine two\n\tindented', expectedVersion: 1 }).ok).toBe(true);
    for (const bad of ['bell\u0007', 'nul\u0000', 'esc\u001b[31m', 'del\u007f', 'sep\u2028']) {
      expect(problems({ ...valid[type], [field]: bad, expectedVersion: 1 })).toEqual([{ field, message: 'must not contain control characters' }]);
    }
  });

  it.each([
    ['reply', 'message'],
    ['note', 'note'],
    ['assign', 'assignee'],
    ['escalate', 'reason'],
  ] as const)('%s.%s is required and not blank', (type, field) => {
    const { [field]: _omitted, ...without } = valid[type] as Record<string, unknown>;
    expect(problems({ ...without, expectedVersion: 1 })).toEqual([{ field, message: 'is required' }]);
    expect(problems({ ...valid[type], [field]: ' \n\t ', expectedVersion: 1 })).toEqual([{ field, message: 'is required' }]);
    expect(problems({ ...valid[type], [field]: 42, expectedVersion: 1 })).toEqual([{ field, message: 'must be text' }]);
  });

  it.each([
    ['reply', 'message', 10_000],
    ['request-info', 'message', 10_000],
    ['note', 'note', 5_000],
    ['resolve', 'summary', 2_000],
    ['assign', 'assignee', 128],
    ['escalate', 'reason', 500],
    ['reopen', 'reason', 500],
    ['change-priority', 'reason', 500],
  ] as const)('%s.%s holds at most %i characters', (type, field, max) => {
    expect(parseAgentAction({ ...valid[type], [field]: 'x'.repeat(max), expectedVersion: 1 }).ok).toBe(true);
    expect(problems({ ...valid[type], [field]: 'x'.repeat(max + 1), expectedVersion: 1 })).toEqual([{ field, message: `must be at most ${max} characters` }]);
  });

  it('reports every bad field at once, one problem per field', () => {
    const fields = fieldsOf({ type: 'change-priority', priority: 'P9', reason: 'a\nb', expectedVersion: 0 });
    expect(fields.sort()).toEqual(['expectedVersion', 'priority', 'reason']);
  });
});
