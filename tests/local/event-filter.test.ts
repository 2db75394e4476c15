// Lambda's filter rules as the local stream poller applies a mapping's FilterCriteria (local/event-filter.ts),
// checked against the comparison operators and DynamoDB examples of Lambda's event filtering documentation.
import { describe, expect, it } from 'vitest';
import { matches, matchesAny, parseFilterPattern } from '#local/event-filter.ts';

const test = (pattern: unknown, record: unknown) => matches(parseFilterPattern(JSON.stringify(pattern)), record as never);

describe('Lambda filter rules (the documented comparison operators)', () => {
  it.each([
    ['null', { UserID: [null] }, { UserID: null }, { UserID: '' }],
    ['empty', { LastName: [''] }, { LastName: '' }, { LastName: 'Doe' }],
    ['equals', { Name: ['Alice'] }, { Name: 'Alice' }, { Name: 'alice' }],
    ['equals (ignore case)', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' }, { Name: 'Alicia' }],
    ['and', { Location: ['New York'], Day: ['Monday'] }, { Location: 'New York', Day: 'Monday' }, { Location: 'New York', Day: 'Tuesday' }],
    ['or', { PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Debit' }, { PaymentType: 'Cash' }],
    ['or (multiple fields)', { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] }, { Location: 'Boston', Day: 'Monday' }, { Location: 'Boston', Day: 'Friday' }],
    ['not', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' }, { Weather: 'Raining' }],
    ['numeric (equals)', { Price: [{ numeric: ['=', 100] }] }, { Price: 100 }, { Price: 101 }],
    ['numeric (range)', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20 }, { Price: 10 }],
    ['exists', { ProductName: [{ exists: true }] }, { ProductName: 'Gizmo' }, { Other: 1 }],
    ['does not exist', { ProductName: [{ exists: false }] }, { Other: 1 }, { ProductName: 'Gizmo' }],
    ['begins with', { Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' }, { Region: 'eu-west-1' }],
    ['ends with', { FileName: [{ suffix: '.png' }] }, { FileName: 'cat.png' }, { FileName: 'cat.jpg' }],
  ])('%s', (_name, pattern, matching, other) => {
    expect(test(pattern, matching)).toBe(true);
    expect(test(pattern, other)).toBe(false);
  });

  it('matches a record array when any element matches, and descends into nested objects', () => {
    expect(test({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
    expect(test({ tags: ['c'] }, { tags: ['a', 'b'] })).toBe(false);
    expect(test({ a: { b: { c: ['x'] } } }, { a: { b: { c: 'x', d: 1 } } })).toBe(true);
    expect(test({ a: { b: { c: ['x'] } } }, { a: 'plain' })).toBe(false);
  });

  it('refuses patterns Lambda refuses: a leaf that is not a list, an empty list, a lone $or', () => {
    expect(() => parseFilterPattern('{"Name":"Alice"}')).toThrow(/must be an object/);
    expect(() => parseFilterPattern('{"Name":[]}')).toThrow(/at least one value/);
    expect(() => parseFilterPattern('{"$or":[{"a":["x"]}]}')).toThrow(/two or more/);
    expect(() => parseFilterPattern('[1]')).toThrow(/must be an object/);
  });
});

describe('DynamoDB stream records (the documented DynamoDB examples and the stack filters)', () => {
  const insert = {
    eventName: 'INSERT',
    dynamodb: { Keys: { CustomerName: { S: 'AnyCompany Industries' } }, NewImage: { itemType: { S: 'event' }, Quantity: { N: '50' } } },
  };
  const modifyCase = { eventName: 'MODIFY', dynamodb: { Keys: { CustomerName: { S: 'Other' } }, NewImage: { itemType: { S: 'case' } }, OldImage: { itemType: { S: 'case' } } } };
  const removeCase = { eventName: 'REMOVE', dynamodb: { Keys: { CustomerName: { S: 'Other' } }, OldImage: { itemType: { S: 'case' } } } };

  it('filters on keys, event name and new image attributes', () => {
    expect(test({ dynamodb: { Keys: { CustomerName: { S: ['AnyCompany Industries'] } } } }, insert)).toBe(true);
    expect(test({ dynamodb: { Keys: { CustomerName: { S: ['AnyCompany Industries'] } } } }, modifyCase)).toBe(false);
    expect(test({ eventName: ['INSERT'] }, insert)).toBe(true);
    expect(test({ eventName: ['INSERT'] }, modifyCase)).toBe(false);
    // A DynamoDB number is a string in the record: matched as a string, not numerically.
    expect(test({ dynamodb: { NewImage: { Quantity: { N: ['50'] } } } }, insert)).toBe(true);
    expect(test({ dynamodb: { NewImage: { Quantity: { N: [{ numeric: ['>', 10] }] } } } }, insert)).toBe(false);
  });

  it('the stack patterns: the aggregator gets event inserts only, the outbox also case changes, neither a removal', () => {
    const eventInserted = parseFilterPattern(JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { itemType: { S: ['event'] } } } }));
    const caseChanged = parseFilterPattern(JSON.stringify({ eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { itemType: { S: ['case'] } } } }));
    const notice = { eventName: 'INSERT', dynamodb: { NewImage: { itemType: { S: 'notice' } } } };
    expect([insert, modifyCase, removeCase, notice].map((r) => matchesAny([eventInserted], r))).toEqual([true, false, false, false]);
    expect([insert, modifyCase, removeCase, notice].map((r) => matchesAny([eventInserted, caseChanged], r))).toEqual([true, true, false, false]);
    expect(matchesAny([], notice)).toBe(true);
  });
});
