import { describe, it, expect } from 'vitest';
import policyJson from '../../../config/triage-policy.json' with { type: 'json' };
import { classify, parseTriagePolicy } from '../../../domain/triage/index.ts';
import type { Category } from '../../../domain/case.ts';

const policy = parseTriagePolicy(policyJson);

describe('classify from text', () => {
  const cases: Array<{ name: string; subject: string; message: string; expected: Category; keywords: string[] }> = [
    {
      name: 'creator payout missing',
      subject: 'Payout missing for March',
      message:
        "I'm a creator and my March earnings payout never arrived. The withdrawal shows as completed in the app but nothing reached my account.",
      expected: 'payout',
      keywords: ['payout', 'earnings', 'withdrawal'],
    },
    {
      name: 'unrecognised charge',
      subject: "Charge I don't recognize",
      message: 'There is a $49.99 charge from your app on my card that I do not recognise. I never made this purchase.',
      expected: 'unauthorized_charge',
      keywords: ["don't recognize", 'do not recognise', 'never made this purchase'],
    },
    {
      name: 'coins not received after purchase',
      subject: 'Coins not received',
      message: 'I bought coins yesterday (the 5000 pack), paid with PayPal, but my coin balance still shows 0.',
      expected: 'gifts_coins',
      keywords: ['coins', 'bought coins', 'coin', 'coin balance'], // "coin" is a whole word inside "coin balance"
    },
    {
      name: 'gift not delivered',
      subject: 'Gift not delivered',
      message: 'I sent a gift to a streamer during her live but it never appeared on stream.',
      expected: 'gifts_coins',
      keywords: ['gift', 'not delivered', 'sent a gift'],
    },
    {
      name: 'refund request',
      subject: 'Refund request',
      message: 'I subscribed to the wrong plan and would like my money back please. Can you refund it?',
      expected: 'refund',
      keywords: ['refund', 'my money back', 'money back'],
    },
    {
      name: 'locked out / 2FA',
      subject: 'Locked out of my account',
      message: "I can't log in since I turned on 2FA; the verification code never arrives by SMS.",
      expected: 'account_access',
      keywords: ['locked out', "can't log in", 'log in', '2fa', 'verification code'],
    },
    {
      name: 'scam',
      subject: 'Scam',
      message:
        'Someone pretending to be your support team sent me a fake link, asked for my password and promised free coins.',
      expected: 'fraud_scam',
      keywords: ['scam', 'pretending to be', 'fake', 'fake link', 'asked for my password', 'free coins'],
    },
    {
      name: 'harassment',
      subject: 'Harassment in chat',
      message: 'A viewer keeps harassing me in every stream and has sent threats in my DMs.',
      expected: 'safety',
      keywords: ['harassment', 'harassing', 'threats'],
    },
    {
      name: 'double charge',
      subject: 'Charged twice',
      message: 'I was double charged for the same subscription this month, the billing error shows on my statement.',
      expected: 'payment_dispute',
      keywords: ['charged twice', 'double charged', 'billing error'],
    },
  ];

  for (const c of cases) {
    it(`${c.name} -> ${c.expected}`, () => {
      const result = classify(c.subject, c.message, undefined, policy);
      expect(result.category).toBe(c.expected);
      expect(result.categorySource).toBe('text');
      expect([...result.categoryKeywords].sort()).toEqual([...c.keywords].sort());
    });
  }

  it('counts safety-critical phrases towards safety', () => {
    const result = classify('Help', 'A streamer asked my 13-year-old daughter for photos.', undefined, policy);
    expect(result).toEqual({ category: 'safety', categorySource: 'text', categoryKeywords: ['13 year old'] });
  });

  it('falls back to other when no keyword matches', () => {
    expect(classify('Feature idea', 'Could you add a dark mode to the app?', undefined, policy)).toEqual({
      category: 'other',
      categorySource: 'text',
      categoryKeywords: [],
    });
  });

  it('breaks ties by the policy precedence', () => {
    // one refund keyword, one gifts_coins keyword
    const tied = classify('Please refund', 'the coins', undefined, policy);
    expect(tied.category).toBe('gifts_coins'); // gifts_coins precedes refund in the default policy
    expect(tied.categoryKeywords).toEqual(['coins']);

    const reversed = parseTriagePolicy({
      ...policyJson,
      categories: {
        ...policyJson.categories,
        precedence: ['refund', ...policyJson.categories.precedence.filter((c) => c !== 'refund')],
      },
    });
    const other = classify('Please refund', 'the coins', undefined, reversed);
    expect(other.category).toBe('refund');
    expect(other.categoryKeywords).toEqual(['refund']);
  });

  it('counts distinct keywords, not repetitions', () => {
    // "refund" x3 is one keyword; coins + coin balance are two
    const result = classify('refund refund refund', 'my coins: the coin balance is wrong', undefined, policy);
    expect(result.category).toBe('gifts_coins');
  });
});

describe('classify: form hint', () => {
  it('the form category wins over the text', () => {
    const result = classify('Coins not received', 'I bought coins but my coin balance is 0', 'payout', policy);
    expect(result).toEqual({ category: 'payout', categorySource: 'form', categoryKeywords: [] });
  });

  it('reports the hinted category keywords found in the text', () => {
    const result = classify('Refund please', 'I want my money back', 'refund', policy);
    expect(result.categorySource).toBe('form');
    expect([...result.categoryKeywords].sort()).toEqual(['money back', 'my money back', 'refund']);
  });
});

describe('classify: matching rules', () => {
  it('is case-insensitive and accent-insensitive', () => {
    expect(classify('RÉFUND', '', undefined, policy).category).toBe('refund');
    expect(classify('', 'I DIDN’T AUTHORIZE this', undefined, policy).category).toBe('unauthorized_charge');
  });

  it('matches whole words only', () => {
    // "scampi" is not "scam", "gifted" is its own keyword but "giftwrap" is nothing, "login" != "loginname"
    expect(classify('Dinner', 'I love scampi and giftwrap and my loginname is cool', undefined, policy).category).toBe('other');
  });

  it('matches multi-word phrases across line breaks and repeated spaces (hard-wrapped email)', () => {
    const result = classify('', 'Hello,\nI am\n   locked\r\n  out since Monday', undefined, policy);
    expect(result.category).toBe('account_access');
    expect(result.categoryKeywords).toEqual(['locked out']);
  });

  it('does not match a phrase across sentence punctuation', () => {
    expect(classify('', 'The door was locked. Out of ideas.', undefined, policy).category).toBe('other');
  });

  it('does not match a phrase across subject and message', () => {
    // "locked" + "out" would make account_access, which would win the tie over gifts_coins
    const result = classify('I am locked', 'out of patience with these coins', undefined, policy);
    expect(result.category).toBe('gifts_coins');
  });
});
