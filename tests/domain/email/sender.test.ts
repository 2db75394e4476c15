import { describe, expect, it } from 'vitest';
import { chooseSender } from '#domain/email/sender.ts';

describe('chooseSender', () => {
  it('takes the From address, lower-cased, with its name', () => {
    expect(chooseSender({ from: [{ address: 'Sam@Example.COM', name: 'Sam Rivera' }], replyTo: [], sender: [] })).toEqual({ email: 'sam@example.com', name: 'Sam Rivera', source: 'from' });
  });

  it('takes the first usable From when there are two From headers or the first is broken', () => {
    expect(chooseSender({ from: [{ address: 'not an address' }, { address: 'ana@example.org', name: 'Ana' }], replyTo: [], sender: [] })).toEqual({ email: 'ana@example.org', name: 'Ana', source: 'from' });
  });

  it('falls back to Reply-To, then Sender, keeping From’s display name', () => {
    expect(chooseSender({ from: [{ name: 'Support Team' }], replyTo: [{ address: 'help@example.net' }], sender: [{ address: 'bot@example.net' }] })).toEqual({ email: 'help@example.net', name: 'Support Team', source: 'reply-to' });
    expect(chooseSender({ from: [{ address: 'x@' }], replyTo: [], sender: [{ address: 'bot@example.net' }] })).toEqual({ email: 'bot@example.net', source: 'sender' });
  });

  it('finds nobody when no header has a usable address', () => {
    expect(chooseSender({ from: [{ name: 'Nobody' }], replyTo: [{ address: `${'a'.repeat(250)}@b.co` }], sender: [] })).toBeUndefined();
  });
});
