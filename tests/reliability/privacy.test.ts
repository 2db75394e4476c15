// Privacy: what people send us (addresses, names, phone numbers, subjects, messages) never reaches the
// functions' logs. The local cloud keeps every line the functions write (GET /local/logs, at INFO) and the
// errors invocations end with, as CloudWatch Logs would hold them on AWS.
import { describe, expect, it } from 'vitest';
import { actAs, asAgent, cloud, postInquiry, request, sendMail, settle, unique } from '../integration/support.ts';
import { XSS } from './xss-corpus.ts';

interface LogLine {
  seq: number;
  functionId: string;
  line: string;
}
const logs = async (since = 0) => (await request<{ lines: LogLine[]; dropped: number }>('GET', `/local/logs?since=${since}`)).body;

/** Personal data nobody else sends: any trace of it in a log is a leak. */
function person(label: string) {
  const tag = unique(label).replace(/[^a-z0-9]/gi, '');
  const digits = String(Math.floor(1000 + Math.random() * 8999));
  return {
    email: `${tag}@example.com`.toLowerCase(),
    name: `Zebulon ${tag}`,
    phone: `+1 415 555 ${digits}`,
    subject: `Refund ${tag} please`,
    message: `My card was charged twice (${tag}). Call me on +1 415 555 ${digits}.`,
    markers: [tag.toLowerCase(), `415 555 ${digits}`],
  };
}

type Person = ReturnType<typeof person>;

describe('personal data never reaches the logs', () => {
  it('through web intake, email intake, agent actions and refused input, while the logs do record the cases', async () => {
    const { lines: earlier } = await logs();
    const since = earlier.at(-1)?.seq ?? 0;
    const [web, mail, refused, quarantined, replied, payloads] = [0, 1, 2, 3, 4, 5].map((i) => person(`priv${i}`)) as [Person, Person, Person, Person, Person, Person];
    const people = [web, mail, refused, quarantined, replied, payloads];

    // Web form, with an agent note and reply carrying the person's data and the XSS corpus.
    const opened = await postInquiry({ email: web.email, name: web.name, subject: web.subject, message: web.message, userId: `u${web.markers[0]}` });
    expect(opened.status).toBe(201);
    const caseId = String(opened.body.caseId);
    await settle();
    const version = (await asAgent<{ case: { version: number } }>(`/cases/${caseId}`)).body.case.version;
    expect((await actAs('agent', caseId, { type: 'note', note: `${replied.message} ${replied.email} ${XSS.join(' ')}`, expectedVersion: version })).status).toBe(200);
    expect((await actAs('agent', caseId, { type: 'reply', message: `Hi ${web.name}, we will call ${web.phone}.`, expectedVersion: version + 1 })).status).toBe(200);

    // Email: a case, and a message without a valid sender (quarantined).
    await sendMail({ from: { name: mail.name, address: mail.email }, subject: mail.subject, text: `${mail.message}\n${XSS.join('\n')}` });
    await sendMail({ envelope: { from: quarantined.email, to: [cloud.intakeAddress] }, raw: `From: ${quarantined.name} <nobody>\r\nSubject: ${quarantined.subject}\r\n\r\n${quarantined.message}\r\n` });

    // Refused input: a 400 for a bad field, with personal data in the others.
    expect((await postInquiry({ email: refused.email, name: refused.name, subject: refused.subject, message: refused.message, amount: -1, currency: 'USD' })).status).toBe(400);
    // XSS payloads in every field of a web inquiry.
    expect((await postInquiry({ email: payloads.email, name: XSS[0], subject: XSS[1], message: `${payloads.message} ${XSS.join(' ')}` })).status).toBe(201);
    await settle();

    const { lines, dropped } = await logs(since);
    expect(dropped).toBe(0);
    // The logs were captured (at INFO): the cases are there by id.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.line.includes(caseId))).toBe(true);
    expect(new Set(lines.map((l) => l.functionId)).size).toBeGreaterThanOrEqual(2);

    const secrets = people.flatMap((p) => [p.email, p.name, p.subject, p.message, p.phone, ...p.markers]);
    const leaks = lines.flatMap((l) => {
      const text = l.line.toLowerCase();
      const found = [...secrets.filter((s) => text.includes(s.toLowerCase())), ...XSS.filter((p) => /[<>]/.test(p) && l.line.includes(p))];
      return found.length > 0 ? [`${l.functionId}: ${found.join(', ')} in ${l.line.slice(0, 300)}`] : [];
    });
    console.log(`privacy: ${lines.length} log lines from ${new Set(lines.map((l) => l.functionId)).size} functions checked for ${secrets.length} personal markers and ${XSS.length} payloads: ${leaks.length} leaks`);
    expect(leaks).toEqual([]);
  });
});
