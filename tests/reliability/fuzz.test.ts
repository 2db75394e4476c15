// Hostile input, generated: bad web inquiries, bad agent actions and broken inbound mail against the local
// cloud. Nothing bad may be answered 5xx, written, or emailed; every 4xx names what is wrong. Seeds are
// fixed so a failure reproduces (the failing input is printed).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES } from '#domain/case.ts';
import { INQUIRY_LIMITS } from '#events/inquiry.ts';
import { allItems, cloud, mailbox, postInquiry, request, settle, token, unique } from '../integration/support.ts';
import { sized } from './scale.ts';

const SEED = 5_0001;
/** 10,000 bad inputs at heavy size, split across the three surfaces. */
const COUNTS = { inquiries: sized(360, 6000), actions: sized(160, 2500), mail: sized(80, 1500) };
const POOL = 8;

interface Probe {
  label: string;
  path?: string;
  body: string | Buffer;
  headers: Record<string, string>;
  /** The status the defect must get. */
  status: number;
  /** Fields the 4xx must name (any of several when an input has more than one defect). */
  fields?: string[];
}

interface Outcome {
  tried: number;
  fiveXx: number;
  failures: string[];
}

const summary: Record<string, Outcome & { writes: number; emails: number }> = {};

// ---------------------------------------------------------------- generators

const CONTROL_IN_LINE = ['\r', '\n', '\r\n', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\u200b', '\u202e', '\ufeff'];
const CONTROL_IN_TEXT = ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029'];
const INVALID_EMAILS = [
  'plainaddress', 'a@', '@example.com', 'a@b', 'a b@example.com', 'a@@example.com', 'a@example..com', '.a@example.com',
  'a@-example.com', 'mia@example.com\r\nBcc: victim@example.com', 'mia@example.com\nSubject: hi', '<script>@example.com',
  'mia@example.com, sam@example.com', '"mia"@', 'mia@[300.1.1.1]', 'mia@exa mple.com', `${'a'.repeat(300)}@example.com`,
];

const nonBlank = (min: number, max: number) => fc.string({ minLength: min, maxLength: max }).filter((s) => s.trim().length >= Math.max(1, min));
const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
);
const withControl = (chars: string[]) =>
  fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom(...chars), fc.string({ minLength: 1, maxLength: 20 })).map(([a, c, b]) => `x${a}${c}${b}x`);
const tooLong = (max: number) => fc.tuple(fc.integer({ min: max + 1, max: max + 400 }), fc.constantFrom('y', 'é', '字', '🙂')).map(([n, c]) => `x${c.repeat(n)}`);
const notIdentifier = fc.oneof(
  fc.constantFrom('.leading', '-leading', 'has space', 'semi;colon', 'a/b', 'a<b>', 'ü-umlaut', 'tab\there'),
  fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== '' && !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(s.trim())),
);

type Json = Record<string, unknown>;
type Mutation = { field: string; apply: (o: Json) => void; formSafe: boolean };
const set = (field: string, value: unknown, formSafe = true): Mutation => ({ field, apply: (o) => void (o[field] = value), formSafe });
const drop = (field: string, reported = field): Mutation => ({ field: reported, apply: (o) => void delete o[field], formSafe: true });

const inquiryMutation: fc.Arbitrary<Mutation> = fc.oneof(
  // required fields: missing, blank, wrong type, too long, control characters
  fc.constantFrom('email', 'subject', 'message').map((f) => drop(f)),
  fc.constantFrom('subject', 'message').chain((f) => fc.constantFrom('   ', '\t \n').map((v) => set(f, v))),
  fc.tuple(fc.constantFrom('email', 'subject', 'message', 'name', 'userId', 'transactionId', 'category', 'currency'), wrongType).map(([f, v]) => set(f, v, false)),
  fc.oneof(fc.constantFrom(...INVALID_EMAILS), fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('@') && s.trim() !== '')).map((v) => set('email', v)),
  tooLong(INQUIRY_LIMITS.subject).map((v) => set('subject', v)),
  tooLong(INQUIRY_LIMITS.name).map((v) => set('name', v)),
  fc.integer({ min: INQUIRY_LIMITS.message + 1, max: INQUIRY_LIMITS.message + 2000 }).map((n) => set('message', 'm'.repeat(n))),
  tooLong(INQUIRY_LIMITS.userId).map((v) => set('userId', v.replace(/[^A-Za-z0-9]/g, 'a'))),
  tooLong(INQUIRY_LIMITS.transactionId).map((v) => set('transactionId', v.replace(/[^A-Za-z0-9]/g, 'a'))),
  fc.tuple(fc.constantFrom('subject', 'name'), withControl(CONTROL_IN_LINE)).map(([f, v]) => set(f, v)),
  withControl(CONTROL_IN_TEXT).map((v) => set('message', v)),
  fc.tuple(fc.constantFrom('userId', 'transactionId'), notIdentifier).map(([f, v]) => set(f, v)),
  // categories, amounts, currencies
  nonBlank(1, 30).filter((s) => !(CATEGORIES as readonly string[]).includes(s)).map((v) => set('category', v)),
  fc.oneof(
    fc.integer({ min: -1_000_000, max: -1 }),
    fc.integer({ min: INQUIRY_LIMITS.maxAmount + 1, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: 0, max: 1_000_000 }).map((n) => n + 0.001),
  ).map((v) => set('amount', v, false)),
  fc.constantFrom('1e5', '0x10', 'Infinity', 'NaN', 'abc', '1,000', '12.345', '-5', '--1', '1.2.3').map((v) => set('amount', v)),
  fc.oneof(fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({})).map((v) => set('amount', v, false)),
  fc.constant<Mutation>({
    field: 'currency',
    apply: (o) => {
      o.amount ??= 10;
      delete o.currency;
    },
    formSafe: true,
  }),
  fc.constantFrom('US', 'USDX', '12$', 'u$d', 'E U', '€€€').map((v) => set('currency', v)),
);

const extraFields = fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'isAdmin', 'caseId', 'status', 'priority', 'version', 'pk', 'channel'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

const validInquiry = (): Json => ({
  email: `${unique('fuzz')}@example.com`,
  subject: 'Charge I did not make',
  message: 'A charge of 89.99 USD for coins I never bought.',
  amount: 89.99,
  currency: 'USD',
});

const JSON_HEADERS = { 'content-type': 'application/json' };
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

function jsonWithMutations(mutations: Mutation[], extra: Json): Probe {
  const body = validInquiry();
  for (const m of mutations) m.apply(body);
  const text = `{${[...Object.entries(body), ...Object.entries(extra)].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
  return { label: 'json fields', body: text, headers: JSON_HEADERS, status: 400, fields: mutations.map((m) => m.field) };
}

function formWithMutations(mutations: Mutation[], repeated: string | undefined): Probe {
  const body = validInquiry();
  for (const m of mutations) m.apply(body);
  const params = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]));
  if (repeated) {
    if (!params.has(repeated)) params.append(repeated, 'once');
    params.append(repeated, 'again');
  }
  return { label: 'form fields', body: params.toString(), headers: FORM_HEADERS, status: 400, fields: [...mutations.map((m) => m.field), ...(repeated ? [repeated] : [])] };
}

const MAX_INQUIRY_BYTES = 32 * 1024;
const WRONG_TYPES = ['text/plain', 'text/html', 'application/xml', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json-patch+json', 'application/x-www-form', 'image/png', 'application/octet-stream', '*/*', 'json', 'application/ json'];

/** Invalid UTF-8 put inside a JSON string value (the JSON around it is fine). */
const INVALID_UTF8 = [[0xff], [0xfe], [0xc0, 0x80], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];

const inquiryProbe: fc.Arbitrary<Probe> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.array(inquiryMutation, { minLength: 1, maxLength: 3 }), extraFields).map(([m, extra]) => jsonWithMutations(m, extra)) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.array(inquiryMutation.filter((m) => m.formSafe), { minLength: 0, maxLength: 3 }), fc.option(fc.constantFrom('email', 'subject', 'message', 'name', 'category'), { nil: undefined }))
      .filter(([m, repeated]) => m.length > 0 || repeated !== undefined)
      .map(([m, repeated]) => formWithMutations(m, repeated)),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 200 }),
        fc.constantFrom('{', '{"email":', "{'email':'a@b.com'}", '{"email":"a@b.com",}', 'undefined', 'NaN', '{"a":1}{"b":2}', '\u0000'),
        fc.integer({ min: 1, max: 120 }).map((n) => JSON.stringify(validInquiry()).slice(0, n)),
      )
      .filter((s) => {
        try {
          const v: unknown = JSON.parse(s);
          return v === null || typeof v !== 'object';
        } catch {
          return true;
        }
      })
      .map((body) => ({ label: 'malformed json', body, headers: JSON_HEADERS, status: 400, fields: ['body'] })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.string(), fc.integer(), fc.boolean()).map((v) => ({
      label: 'json not an object',
      body: JSON.stringify(v),
      headers: JSON_HEADERS,
      status: 400,
      fields: ['body'],
    })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 100, max: 15_000 }), fc.constantFrom('[', '{"a":'), fc.boolean()).map(([levels, open, inField]) => {
      const close = open === '[' ? ']' : '}';
      const depth = Math.min(levels, Math.floor(30_000 / (open.length + 1)));
      const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
      const body = inField ? JSON.stringify({ ...validInquiry(), subject: 'x' }).replace('"x"', deep) : deep;
      // A deep object as the whole body is an object without the required fields.
      const fields = inField ? ['subject'] : open === '[' ? ['body'] : ['email', 'subject', 'message'];
      return { label: 'deep json', body, headers: JSON_HEADERS, status: 400, fields };
    }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: MAX_INQUIRY_BYTES + 1, max: 300_000 }), fc.boolean(), fc.boolean()).map(([size, asJson, form]) => {
      const filler = 'a'.repeat(size);
      const body = asJson ? JSON.stringify({ ...validInquiry(), message: filler }) : filler;
      return { label: 'oversized', body, headers: form ? FORM_HEADERS : JSON_HEADERS, status: 413, fields: ['body'] };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.constantFrom(...WRONG_TYPES), fc.stringMatching(/^[a-z]{1,8}\/[a-z0-9.+-]{1,12}$/).filter((t) => t !== 'application/json' && t !== 'application/x-www-form-urlencoded'))
      .map((type) => ({ label: 'wrong content type', body: JSON.stringify(validInquiry()), headers: { 'content-type': type }, status: 415, fields: ['Content-Type'] })),
  },
  {
    weight: 1,
    arbitrary: fc.constant<Probe>({ label: 'no content type', body: Buffer.from(JSON.stringify(validInquiry())), headers: {}, status: 415, fields: ['Content-Type'] }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.constantFrom('subject', 'message', 'email'), fc.boolean()).map(([bytes, field, form]) => {
      const marker = 'INVALIDUTF8';
      const inquiry = { ...validInquiry(), [field]: field === 'email' ? `a${marker}@example.com` : `before ${marker} after` };
      const text = form ? new URLSearchParams(Object.entries(inquiry).map(([k, v]): [string, string] => [k, String(v)])).toString() : JSON.stringify(inquiry);
      const [head, tail] = text.split(marker) as [string, string];
      return { label: 'invalid utf-8', body: Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]), headers: form ? FORM_HEADERS : JSON_HEADERS, status: 400, fields: ['body'] };
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Probe>(
      { label: 'empty json', body: '', headers: JSON_HEADERS, status: 400, fields: ['body'] },
      { label: 'empty form', body: '', headers: FORM_HEADERS, status: 400, fields: ['email', 'subject', 'message'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.integer({ min: 129, max: 400 }).map((n) => 'k'.repeat(n)), fc.constantFrom('two words', 'a\tb', 'ключ', 'emoji-🙂').map((k) => Buffer.from(k).toString('latin1')))
      .map((key) => ({ label: 'bad idempotency key', body: JSON.stringify(validInquiry()), headers: { ...JSON_HEADERS, 'idempotency-key': key }, status: 400, fields: ['Idempotency-Key'] })),
  },
);

// Agent actions: every generated action has at least one defect (or acts for a role the agent lacks).
const ACTION_FIELDS: Record<string, { field: string; max: number; line: boolean } | undefined> = {
  reply: { field: 'message', max: 10_000, line: false },
  'request-info': { field: 'message', max: 10_000, line: false },
  note: { field: 'note', max: 5_000, line: false },
  assign: { field: 'assignee', max: 128, line: true },
  escalate: { field: 'reason', max: 500, line: true },
  resolve: undefined,
  reopen: undefined,
};
const TEXT_TYPES = Object.entries(ACTION_FIELDS).filter(([, f]) => f) as [string, { field: string; max: number; line: boolean }][];

const actionProbe = (caseId: string, version: number, agentToken: string): fc.Arbitrary<Probe> => {
  const auth = { ...JSON_HEADERS, authorization: `Bearer ${agentToken}` };
  const path = `/cases/${caseId}/actions`;
  const probe = (label: string, action: unknown, status: number, fields?: string[]): Probe => ({ label, path, body: JSON.stringify(action), headers: auth, status, ...(fields && { fields }) });
  const valid = (type: string, field?: string) => ({ type, expectedVersion: version, ...(field && { [field]: 'Looked into it' }) });
  return fc.oneof(
    fc.oneof(nonBlank(1, 20).filter((t) => !['reply', 'request-info', 'note', 'assign', 'escalate', 'acknowledge', 'resolve', 'reopen', 'change-priority', 'approve', 'reject'].includes(t)), wrongType, fc.constant(null)).map((type) =>
      probe('bad type', { type, expectedVersion: version, note: 'x' }, 400, ['type']),
    ),
    fc.constantFrom(...TEXT_TYPES).map(([type]) => probe('missing type', { expectedVersion: version, [ACTION_FIELDS[type]!.field]: 'x' }, 400, ['type'])),
    fc.tuple(fc.constantFrom(...TEXT_TYPES), fc.oneof(fc.constant(undefined), fc.constantFrom(0, -1, 1.5, '1', true, null, [1], { v: 1 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)))).map(([[type, f], v]) => {
      const action: Json = valid(type, f.field);
      if (v === undefined) delete action.expectedVersion;
      else action.expectedVersion = v;
      return probe('bad version', action, 400, ['expectedVersion']);
    }),
    fc.tuple(fc.constantFrom(...TEXT_TYPES), fc.integer({ min: 1, max: 1_000_000 }).filter((v) => v !== version)).map(([[type, f], v]) => probe('stale version', { ...valid(type, f.field), expectedVersion: v }, 409)),
    fc.constantFrom(...TEXT_TYPES).map(([type, f]) => probe('missing field', valid(type), 400, [f.field])),
    fc.tuple(fc.constantFrom(...TEXT_TYPES), wrongType).map(([[type, f], v]) => probe('wrong type', { ...valid(type), [f.field]: v }, 400, [f.field])),
    fc.tuple(fc.constantFrom(...TEXT_TYPES), fc.constantFrom('', '   ', '\n\t')).map(([[type, f], v]) => probe('blank', { ...valid(type), [f.field]: v }, 400, [f.field])),
    fc.tuple(fc.constantFrom(...TEXT_TYPES), fc.integer({ min: 1, max: 3000 })).map(([[type, f], extra]) => probe('oversized field', { ...valid(type), [f.field]: 'n'.repeat(f.max + extra) }, 400, [f.field])),
    fc.tuple(fc.constantFrom(...TEXT_TYPES), fc.boolean()).chain(([[type, f]]) =>
      withControl(f.line ? CONTROL_IN_LINE : CONTROL_IN_TEXT).map((v) => probe('control characters', { ...valid(type), [f.field]: v }, 400, [f.field])),
    ),
    fc.oneof(nonBlank(1, 20).filter((o) => !['resolved', 'confirmed_risk', 'false_positive', 'duplicate'].includes(o)), wrongType).map((outcome) => probe('bad outcome', { ...valid('resolve'), outcome }, 400, ['outcome'])),
    fc.constant(probe('resolve without outcome', valid('resolve'), 400, ['outcome'])),
    fc.integer({ min: 2001, max: 4000 }).map((n) => probe('oversized summary', { ...valid('resolve'), outcome: 'resolved', summary: 's'.repeat(n) }, 400, ['summary'])),
    withControl(CONTROL_IN_LINE).map((reason) => probe('reopen reason with control characters', { ...valid('reopen'), reason }, 400, ['reason'])),
    // Actions only leads and risk may take: refused for an agent whatever the body.
    fc.constantFrom({ type: 'acknowledge' }, { type: 'change-priority', priority: 'P1' }).map((a) => probe('role', { ...a, expectedVersion: version }, 403)),
    fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('{', '[]', 'null', '"note"', '{"type":"note",')).filter((s) => {
      try {
        const v: unknown = JSON.parse(s);
        return v === null || typeof v !== 'object' || Array.isArray(v);
      } catch {
        return true;
      }
    }).map((body) => ({ label: 'malformed json', path, body, headers: auth, status: 400, fields: ['body'] })),
    fc.integer({ min: 64 * 1024 + 1, max: 200_000 }).map((n) => ({ label: 'oversized body', path, body: JSON.stringify({ ...valid('note'), note: 'n'.repeat(n) }), headers: auth, status: 413, fields: ['body'] })),
    fc.constantFrom(...WRONG_TYPES).map((type) => ({ label: 'wrong content type', path, body: JSON.stringify(valid('note', 'note')), headers: { ...auth, 'content-type': type }, status: 415, fields: ['Content-Type'] })),
    fc.constantFrom(...INVALID_UTF8).map((bytes) => ({
      label: 'invalid utf-8',
      path,
      body: Buffer.concat([Buffer.from(`{"type":"note","expectedVersion":${version},"note":"a`), Buffer.from(bytes), Buffer.from('b"}')]),
      headers: auth,
      status: 400,
      fields: ['body'],
    })),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/).map((id) => ({ label: 'unknown case', path: `/cases/${id}x/actions`, body: JSON.stringify(valid('note', 'note')), headers: auth, status: 404 })),
  );
};

// Inbound mail: raw MIME, broken in many ways. Every message has a unique envelope sender to find it by.
const junkLine = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom('--', '--boundary', '--boundary--', 'Content-Type: multipart/mixed; boundary=', 'Content-Transfer-Encoding: base64', '=?utf-8?B?!!!?=', '=?bogus?Q?=ZZ?=', '=', '=\r', '.', '..', '\u0000'),
);
const junkBody = fc.array(junkLine, { maxLength: 30 }).map((lines) => lines.join('\r\n'));
const mimePart = fc.letrec<{ part: string }>((tie) => ({
  part: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.constantFrom('text/plain', 'text/html', 'application/octet-stream', 'image/png', 'message/rfc822', 'text/plain; charset=klingon'), fc.constantFrom('7bit', 'base64', 'quoted-printable', 'x-unknown', '8bit'), junkBody).map(
      ([type, encoding, body]) => `Content-Type: ${type}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`,
    ),
    fc.tuple(fc.constantFrom('b1', 'b2', '', '"unterminated', 'x'.repeat(200)), fc.array(tie('part'), { maxLength: 3 }), fc.boolean()).map(
      ([boundary, parts, closed]) => `Content-Type: multipart/mixed; boundary=${boundary}\r\n\r\n${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}${closed ? `--${boundary}--` : ''}`,
    ),
  ),
})).part;
const junkHeaders = fc.array(
  fc.oneof(
    fc.tuple(fc.stringMatching(/^X-[A-Za-z-]{1,20}$/), fc.string({ maxLength: 100 })).map(([k, v]) => `${k}: ${v}`),
    fc.integer({ min: 1000, max: 100_000 }).map((n) => `X-Huge: ${'h'.repeat(n)}`),
    fc.constantFrom('Subject: =?utf-8?B?not base64!?=', 'Subject: \u0000\u0001\u0002', 'Date: yesterday-ish', 'Message-ID: <<<>>>', 'In-Reply-To: <', 'References: ><', 'MIME-Version: 9.9', 'Content-Type: multipart/mixed', ' folded continuation with no header'),
  ),
  { maxLength: 6 },
);
const BAD_FROM = ['', 'From:', 'From: not-an-address', 'From: <>', 'From: @@@', 'From: "Mia" <mia@localhost>', 'From: a@b@c', 'From: =?utf-8?B?!!!?=', 'From: Mia <mia at example dot com>', 'From: ;;;,,,', `From: <${'a'.repeat(3000)}@example.com>`, 'From: <mia@exa mple.com>'];

interface MailProbe {
  label: string;
  envelopeFrom: string;
  raw: Buffer;
  /** The From header's address when it is a valid one (the mail then becomes a case), else undefined. */
  sender?: string;
}

const mailProbe: fc.Arbitrary<Omit<MailProbe, 'envelopeFrom'>> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...BAD_FROM), junkHeaders, mimePart, fc.boolean()).map(([from, headers, part, binary]) => ({
      label: 'no valid sender',
      raw: Buffer.concat([Buffer.from([from, ...headers, 'Subject: broken', part].filter(Boolean).join('\r\n'), 'latin1'), binary ? Buffer.from([0, 0xff, 0xfe, 0x0d, 0x0a, 0x80]) : Buffer.alloc(0)]),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(junkHeaders, mimePart).map(([headers, part]) => {
      const sender = `${unique('mailfuzz')}@example.com`.toLowerCase();
      return { label: 'valid sender, broken body', sender, raw: Buffer.from([`From: Fuzz <${sender}>`, ...headers, part].join('\r\n'), 'latin1') };
    }),
  },
);

// ---------------------------------------------------------------- running and checking

async function send(probe: Probe): Promise<{ status: number; text: string }> {
  const res = await fetch(`${cloud.api}${probe.path ?? '/inquiries'}`, { method: 'POST', body: probe.body, headers: probe.headers });
  return { status: res.status, text: await res.text() };
}

/** Whatever is wrong with the reply, in words; undefined when it is the refusal the probe expects. */
function judge(probe: Probe, status: number, text: string): string | undefined {
  if (status !== probe.status) return `status ${status}, expected ${probe.status}: ${text.slice(0, 300)}`;
  let body: { error?: unknown; message?: unknown; fields?: { field?: unknown; message?: unknown }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return `a ${status} whose body is not JSON: ${text.slice(0, 200)}`;
  }
  if (typeof body.message !== 'string' || body.message.trim() === '') return `a ${status} without a message: ${text.slice(0, 200)}`;
  if (probe.fields) {
    const named = (body.fields ?? []).map((f) => f.field);
    if (!(body.fields ?? []).every((f) => typeof f.field === 'string' && f.field !== '' && typeof f.message === 'string' && f.message !== '')) return `fields without a name or message: ${text.slice(0, 300)}`;
    if (!probe.fields.some((f) => named.includes(f))) return `names ${JSON.stringify(named)}, expected one of ${JSON.stringify(probe.fields)}`;
  }
  return undefined;
}

async function inPool<T>(items: T[], run: (item: T) => Promise<void>, size = POOL): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

async function fire(surface: string, probes: Probe[]): Promise<Outcome> {
  const outcome: Outcome = { tried: probes.length, fiveXx: 0, failures: [] };
  await inPool(probes, async (probe) => {
    const { status, text } = await send(probe);
    if (status >= 500) outcome.fiveXx++;
    const problem = judge(probe, status, text);
    if (problem) {
      const input = Buffer.isBuffer(probe.body) ? `bytes ${probe.body.toString('hex').slice(0, 200)}` : probe.body.slice(0, 200);
      outcome.failures.push(`${surface} · ${probe.label}: ${problem}\n    input (${probe.body.length} bytes, headers ${JSON.stringify(probe.headers).slice(0, 200)}): ${input}`);
    }
  });
  return outcome;
}

const keyOf = (item: Record<string, AttributeValue>) => `${item.pk?.S}|${item.sk?.S}`;

interface LogLine {
  seq: number;
  functionId: string;
  line: string;
}
async function logsSince(seq: number): Promise<LogLine[]> {
  return (await request<{ lines: LogLine[] }>('GET', `/local/logs?since=${seq}`)).body.lines;
}
const lastSeq = async () => (await logsSince(0)).at(-1)?.seq ?? 0;
/** Function failures: invocations that ended in an error, and errors the functions logged. */
const failuresIn = (lines: LogLine[]) => lines.filter((l) => l.line.includes('Invoke Error') || /"level":"(ERROR|CRITICAL)"/.test(l.line));

async function asyncFailures(): Promise<number> {
  const parked = await request<{ parked: unknown[]; asyncFailures: unknown[] }>('GET', '/local/parked');
  return parked.body.parked.length + parked.body.asyncFailures.length;
}

describe('fuzzing the three ways in with bad input', () => {
  let before: Set<string>;
  let emailsBefore: number;

  beforeAll(async () => {
    await settle();
    before = new Set((await allItems()).map(keyOf));
    emailsBefore = (await mailbox()).length;
  });

  afterAll(() => {
    const line = Object.entries(summary)
      .map(([surface, o]) => `${surface} ${o.tried} tried, ${o.fiveXx} 5xx, ${o.failures.length} wrong answers, ${o.writes} writes, ${o.emails} emails`)
      .join('; ');
    console.log(`fuzz (seed ${SEED}): ${line}`);
  });

  it(`POST /inquiries: ${COUNTS.inquiries} bad bodies, headers and content types → 4xx naming the problem, nothing written`, async () => {
    const logFrom = await lastSeq();
    const probes = fc.sample(inquiryProbe, { seed: SEED, numRuns: COUNTS.inquiries });
    const outcome = await fire('inquiries', probes);
    await settle();
    const after = await allItems();
    const written = after.filter((i) => !before.has(keyOf(i)));
    const emails = (await mailbox()).length - emailsBefore;
    summary.inquiries = { ...outcome, writes: written.length, emails };
    expect(outcome.failures.slice(0, 10)).toEqual([]);
    expect(outcome.fiveXx).toBe(0);
    expect(written.map(keyOf).slice(0, 10)).toEqual([]);
    expect(emails).toBe(0);
    expect(failuresIn(await logsSince(logFrom)).map((l) => l.line.slice(0, 300))).toEqual([]);
  });

  it(`POST /cases/{id}/actions: ${COUNTS.actions} bad actions on a real case → 4xx naming the problem, the case untouched`, async () => {
    const opened = await postInquiry({ email: `${unique('fuzz-target')}@example.com`, subject: 'Gift missing', message: 'A gift I sent never arrived.' });
    expect(opened.status).toBe(201);
    const caseId = String(opened.body.caseId);
    await settle();
    const snapshot = await allItems();
    const caseItems = (items: Record<string, AttributeValue>[]) => JSON.stringify(items.filter((i) => i.pk?.S === `CASE#${caseId}`).sort((a, b) => keyOf(a).localeCompare(keyOf(b))));
    const version = Number(snapshot.find((i) => i.pk?.S === `CASE#${caseId}` && i.sk?.S === 'CASE')?.version?.N);
    expect(version).toBeGreaterThanOrEqual(1);
    const known = new Set(snapshot.map(keyOf));
    const emailsAt = (await mailbox()).length;
    const logFrom = await lastSeq();

    const probes = fc.sample(actionProbe(caseId, version, await token('agent')), { seed: SEED + 1, numRuns: COUNTS.actions });
    const outcome = await fire('actions', probes);
    await settle();
    const after = await allItems();
    const written = after.filter((i) => !known.has(keyOf(i)));
    const emails = (await mailbox()).length - emailsAt;
    summary.actions = { ...outcome, writes: written.length, emails };
    expect(outcome.failures.slice(0, 10)).toEqual([]);
    expect(outcome.fiveXx).toBe(0);
    expect(written.map(keyOf).slice(0, 10)).toEqual([]);
    expect(caseItems(after)).toBe(caseItems(snapshot));
    expect(emails).toBe(0);
    expect(failuresIn(await logsSince(logFrom)).map((l) => l.line.slice(0, 300))).toEqual([]);
  });

  it(`inbound mail: ${COUNTS.mail} broken messages → no crash; no sender → quarantined, a valid sender → one case`, async () => {
    await settle();
    const known = new Set((await allItems()).map(keyOf));
    const emailsAt = await mailbox();
    const failedBefore = await asyncFailures();
    const logFrom = await lastSeq();

    const probes: MailProbe[] = fc.sample(mailProbe, { seed: SEED + 2, numRuns: COUNTS.mail }).map((p) => ({ ...p, envelopeFrom: `${unique('envelope')}@example.net`.toLowerCase() }));
    const transport = nodemailer.createTransport({ host: cloud.smtpHost, port: cloud.smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 4 });
    const refused: string[] = [];
    const startedAt = performance.now();
    try {
      await inPool(
        probes,
        async (p) => {
          await transport.sendMail({ envelope: { from: p.envelopeFrom, to: [cloud.intakeAddress] }, raw: p.raw }).catch((e: unknown) => refused.push(`${p.label}: ${(e as Error).message}`));
        },
        4,
      );
    } finally {
      transport.close();
    }
    const sentAt = performance.now();
    await settle();
    console.log(`mail: sent in ${Math.round(sentAt - startedAt)} ms, settled in ${Math.round(performance.now() - sentAt)} ms`);

    const after = await allItems();
    const fresh = after.filter((i) => !known.has(keyOf(i)));
    const quarantinedFrom = new Map<string, number>();
    for (const q of fresh.filter((i) => i.pk?.S?.startsWith('QUARANTINE#'))) quarantinedFrom.set(q.mailFrom?.S ?? '', (quarantinedFrom.get(q.mailFrom?.S ?? '') ?? 0) + 1);
    const casesBy = new Map<string, number>();
    for (const c of fresh.filter((i) => i.sk?.S === 'CASE')) {
      const email = c.requester?.M?.email?.S ?? '';
      casesBy.set(email, (casesBy.get(email) ?? 0) + 1);
    }
    const wrong: string[] = [];
    for (const p of probes) {
      const quarantined = quarantinedFrom.get(p.envelopeFrom) ?? 0;
      const cases = p.sender ? (casesBy.get(p.sender) ?? 0) : 0;
      if (p.sender ? cases !== 1 || quarantined !== 0 : quarantined !== 1) wrong.push(`${p.label}: ${cases} case(s), ${quarantined} quarantined; raw ${p.raw.toString('latin1').slice(0, 300)}`);
    }
    const senders = new Set(probes.flatMap((p) => (p.sender ? [p.sender] : [])));
    // Many new cases of one category within the hour is a surge: its incident case (channel "system") and the
    // risk team's email are the product at work; anything else must come from a valid sender.
    const strayCases = [...casesBy.keys()].filter((e) => !senders.has(e) && !fresh.some((c) => c.sk?.S === 'CASE' && c.channel?.S === 'system' && c.requester?.M?.email?.S === e));
    const sent = (await mailbox()).slice(emailsAt.length);
    const internal = (to: string) => to.toLowerCase().endsWith('@trustdesk.local');
    const strayEmails = sent.filter((m) => !m.destination.to.every((to) => senders.has(to.toLowerCase()) || internal(to)));
    const ackedSenders = new Set(sent.flatMap((m) => m.destination.to.map((t) => t.toLowerCase())).filter((t) => senders.has(t)));
    const crashes = failuresIn(await logsSince(logFrom));
    const failedNow = (await asyncFailures()) - failedBefore;
    summary.mail = {
      tried: probes.length,
      fiveXx: crashes.length + failedNow,
      failures: [...refused, ...wrong],
      writes: fresh.filter((i) => i.pk?.S?.startsWith('QUARANTINE#')).length,
      emails: strayEmails.length,
    };
    console.log(`mail: ${probes.length - senders.size} without a valid sender quarantined, ${senders.size} with one opened as cases, ${ackedSenders.size} acknowledged`);
    expect(refused.slice(0, 5)).toEqual([]);
    expect(crashes.map((l) => l.line.slice(0, 400)).slice(0, 5)).toEqual([]);
    expect(failedNow).toBe(0);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(strayCases).toEqual([]);
    expect(strayEmails.map((m) => m.destination.to)).toEqual([]);
    expect(ackedSenders.size).toBe(senders.size);
  });
});
