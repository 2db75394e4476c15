import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '#domain/case.ts';
import type { FieldProblem } from '#events/inquiry.ts';
import { parsePath } from '#events/request.ts';
import { parseSubscription, SubscriptionPathSchema, type SubscriptionInput } from '#events/subscription.ts';

function accepted(input: unknown): SubscriptionInput {
  const result = parseSubscription(input);
  if (!result.ok) throw new Error(`expected the subscription to be accepted, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

function refused(input: unknown): FieldProblem[] {
  const result = parseSubscription(input);
  if (result.ok) throw new Error(`expected the subscription to be refused, got ${JSON.stringify(result.value)}`);
  return result.problems;
}

const fieldsOf = (input: unknown) => refused(input).map((p) => p.field.split('.')[0]).sort();
const messageFor = (input: unknown, field: string) => refused(input).find((p) => p.field.split('.')[0] === field)?.message;

describe('parseSubscription', () => {
  it('normalises the email and keeps cadence and categories', () => {
    expect(accepted({ email: '  Lead.One@Example.COM ', cadence: 'weekly', categories: ['refund', 'payout'] })).toEqual({
      email: 'lead.one@example.com',
      cadence: 'weekly',
      categories: ['refund', 'payout'],
    });
  });

  it('makes categories optional, and accepts every category', () => {
    expect(accepted({ email: 'a@example.com', cadence: 'daily' })).toEqual({ email: 'a@example.com', cadence: 'daily' });
    expect(accepted({ email: 'a@example.com', cadence: 'daily', categories: [...CATEGORIES] }).categories).toEqual([...CATEGORIES]);
  });

  it('reports a missing, malformed or overlong email on the email field', () => {
    expect(messageFor({ cadence: 'daily' }, 'email')).toBe('is required');
    expect(messageFor({ email: 'not an email', cadence: 'daily' }, 'email')).toBe('must be a valid email address');
    expect(messageFor({ email: 'a@', cadence: 'daily' }, 'email')).toBe('must be a valid email address');
    expect(messageFor({ email: `${'a'.repeat(250)}@example.com`, cadence: 'daily' }, 'email')).toBe('is too long');
    expect(fieldsOf({ email: 'nope', cadence: 'daily' })).toEqual(['email']);
  });

  it('reports a cadence other than daily or weekly on the cadence field', () => {
    expect(messageFor({ email: 'a@example.com', cadence: 'hourly' }, 'cadence')).toBe('must be daily or weekly');
    expect(messageFor({ email: 'a@example.com', cadence: 'Daily' }, 'cadence')).toBe('must be daily or weekly');
    expect(messageFor({ email: 'a@example.com' }, 'cadence')).toBe('must be daily or weekly');
    expect(fieldsOf({ email: 'a@example.com', cadence: 'monthly' })).toEqual(['cadence']);
  });

  it('reports an unknown category on the categories field, naming the ones there are', () => {
    const problems = refused({ email: 'a@example.com', cadence: 'daily', categories: ['refund', 'chargebacks'] });
    expect(problems).toEqual([{ field: 'categories.1', message: `must be one of ${CATEGORIES.join(', ')}` }]);
  });

  it('reports categories that are not a list as such', () => {
    expect(messageFor({ email: 'a@example.com', cadence: 'daily', categories: 'refund' }, 'categories')).toBe('must be a list of categories');
    expect(messageFor({ email: 'a@example.com', cadence: 'daily', categories: [...CATEGORIES, 'refund'] }, 'categories')).toBe(`must be at most ${CATEGORIES.length}`);
  });

  it('reports every bad field at once', () => {
    expect(fieldsOf({ email: 'x', cadence: 'yearly', categories: ['nope'] })).toEqual(['cadence', 'categories', 'email']);
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, 'daily', 42, []]) expect(refused(body)).toEqual([{ field: 'body', message: expect.any(String) }]);
  });
});

describe('SubscriptionPathSchema', () => {
  it('reads the subscription id and names it when it is missing', () => {
    expect(parsePath(SubscriptionPathSchema, { subscriptionId: 'daily#a@example.com' })).toEqual({ ok: true, value: { subscriptionId: 'daily#a@example.com' } });
    expect(parsePath(SubscriptionPathSchema, {})).toEqual({ ok: false, problems: [{ field: 'subscriptionId', message: 'is required' }] });
  });
});
