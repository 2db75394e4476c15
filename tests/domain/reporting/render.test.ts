// Rendering: hostile data never reaches the HTML unescaped, the text part stays one line per entry,
// and the CSV is RFC 4180 with formula injection neutralised.
import { describe, expect, it } from 'vitest';
import { buildReport, type Report } from '../../../domain/reporting/report.ts';
import { neutralise, renderCsv, renderHtml, renderSubject, renderText } from '../../../domain/reporting/render.ts';
import { agentReport, type AgentRow } from '../../../domain/reporting/agents.ts';
import { baseInput, day, histogram, row } from './fixtures.ts';

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "javascript:alert('x')",
  'Tom & Jerry &amp; co',
  `it's "quoted"`,
  '</td></tr></table><a href="javascript:alert(1)">click</a>',
  '=HYPERLINK("http://evil.example","x")',
  '+1+cmd|\' /C calc\'!A0',
  '-2+3',
  '@SUM(A1:A9)',
  '\tTAB',
  'line one\r\nFORGED: line two',
] as const;

/** A report where every data string (dimension ids, labels of unknown ids, subjects, names, statuses…) is hostile. */
function hostileReport(): Report {
  return buildReport(
    baseInput({
      current: HOSTILE.map((h, i) => row(day('2026-11-24', h, h, h), { opened: i + 1, opened_repeat: 1, resolved: 1, resolved_confirmed_risk: 1, first_responses: 1, first_response_within_sla: 1 })),
      previous: [row(day('2026-11-23', HOSTILE[0]), { opened: 20 })],
      trends: HOSTILE.map((h) => ({ category: h, hour: h, lastHour: 30, baseline: 5, factor: 6, threshold: 15, surge: true })),
      openIncidents: HOSTILE.map((h) => ({ key: h, category: h, windowStart: h, detectedAt: h, lastHour: 30, baseline: 5, status: h })),
      topConsumerCases: HOSTILE.map((h) => ({ caseId: h, reference: h, subject: h, requesterName: h, tier: h, category: h, priority: h, status: h, openedAt: h })),
    }),
  );
}

const ALLOWED_TAGS = new Set(['!doctype', 'html', 'head', 'meta', 'title', 'body', 'table', 'tr', 'td', 'th', 'h1', 'h2', 'p', 'strong']);
const ALLOWED_ATTRIBUTES = new Set(['lang', 'http-equiv', 'content', 'name', 'role', 'width', 'cellpadding', 'cellspacing', 'border', 'style', 'align']);

/** Every tag and attribute in a document, read the way a browser tokenizer would start. */
function tagsOf(html: string): { tag: string; attributes: [string, string][] }[] {
  const out: { tag: string; attributes: [string, string][] }[] = [];
  for (const m of html.matchAll(/<\/?([!a-zA-Z][^\s/>]*)([^>]*)>/g)) {
    const attributes: [string, string][] = [...m[2]!.matchAll(/([^\s=]+)(?:="([^"]*)")?/g)].map((a) => [a[1]!.toLowerCase(), a[2] ?? '']);
    out.push({ tag: m[1]!.toLowerCase(), attributes });
  }
  return out;
}

describe('renderHtml', () => {
  const html = renderHtml(hostileReport());

  it('never lets a hostile string through unescaped', () => {
    for (const h of HOSTILE) {
      if (/[<>&"']/.test(h)) expect(html).not.toContain(h);
    }
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<a[\s>]/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Tom &amp; Jerry &amp;amp; co');
    expect(html).toContain('it&#39;s &quot;quoted&quot;');
  });

  it('holds only the tags and attributes it writes itself, with no script URLs', () => {
    const tags = tagsOf(html);
    expect(tags.length).toBeGreaterThan(100);
    for (const { tag, attributes } of tags) {
      expect(ALLOWED_TAGS, tag).toContain(tag);
      for (const [name, value] of attributes) {
        if (tag === '!doctype') continue;
        expect(ALLOWED_ATTRIBUTES, `${tag} ${name}`).toContain(name);
        expect(value).not.toMatch(/javascript:|expression\(|url\(|[<>]/i);
      }
    }
  });

  it('every & starts an entity', () => {
    expect(html.match(/&(?!(?:amp|lt|gt|quot|#39|#96|nbsp);)/g)).toBeNull();
  });

  it('is a table layout with inline styles only: no <style>, classes, images or scripts', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<style|class=|<link|<img|<script|<svg|<div/i);
    expect(html).toContain('role="presentation"');
  });

  it('draws bars as table cells of a computed width within 0–100%', () => {
    const html = renderHtml(buildReport(baseInput()));
    const widths = [...html.matchAll(/<td width="(\d+)%"/g)].map((m) => Number(m[1]));
    expect(widths.length).toBeGreaterThan(5);
    for (const w of widths) expect(w).toBeGreaterThanOrEqual(0);
    for (const w of widths) expect(w).toBeLessThanOrEqual(100);
    expect(html).toContain('<td width="25%" style="height:10px;line-height:10px;font-size:1px;background-color:#2563eb;">'); // email: 2 of 8
  });

  it('shows the numbers', () => {
    const html = renderHtml(buildReport(baseInput()));
    for (const text of ['Cases opened', '70.0%', '+20.0 pp', '+10 (new)', '+2 (+100.0%)', 'Gifts &amp; coins', '&gt; 7.0 d', 'Surge', 'TD-0001', 'Coins missing after top-up']) {
      expect(html).toContain(text);
    }
  });
});

describe('renderText', () => {
  const text = renderText(hostileReport());

  it('keeps every data string on one line: no forged lines, no control characters', () => {
    expect(text).not.toMatch(/[\r\t\u0000-\u0009\u000b-\u001f]/);
    expect(text).not.toMatch(/^FORGED/m);
    expect(text).toContain('line one FORGED: line two');
  });

  it('reads as a summary', () => {
    const plain = renderText(buildReport(baseInput()));
    expect(plain).toMatch(/^trustdesk daily report: 2026-11-24\n/);
    expect(plain).toMatch(/First response within SLA +70\.0% +50\.0% +\+20\.0 pp/);
    expect(plain).toMatch(/>7d +#{20} +6/);
    expect(plain).toContain('SURGE');
  });
});

describe('renderSubject', () => {
  it('is a single line', () => {
    expect(renderSubject({ ...hostileReport(), title: 'Report\r\nBcc: victim@example.com' })).toBe('Report Bcc: victim@example.com');
  });
});

/** RFC 4180 parser for the test: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      rows.push(record);
      record = [];
      field = '';
      i++;
    } else {
      expect(c, 'bare CR, LF or quote outside a quoted field').not.toMatch(/[\r\n"]/);
      field += c;
    }
  }
  expect(field).toBe('');
  expect(record).toEqual([]);
  return rows;
}

describe('renderCsv', () => {
  it('neutralise prefixes text that a spreadsheet would run', () => {
    expect(neutralise('=1+1')).toBe("'=1+1");
    expect(neutralise('+1')).toBe("'+1");
    expect(neutralise('-1+1')).toBe("'-1+1");
    expect(neutralise('@A1')).toBe("'@A1");
    expect(neutralise('\t=1')).toBe("'\t=1");
    expect(neutralise('safe = fine')).toBe('safe = fine');
  });

  it('is RFC 4180 with a header and nine fields in every record', () => {
    const csv = renderCsv(hostileReport());
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(['section', 'metric', 'dimension', 'value', 'previous', 'delta', 'change_pct', 'unit', 'detail']);
    for (const r of rows) expect(r).toHaveLength(9);
  });

  it('no text cell starts with = + - @ or a tab: hostile data is neutralised where it lands', () => {
    const rows = parseCsv(renderCsv(hostileReport()));
    const textCells = rows.flatMap((r) => [r[0]!, r[1]!, r[2]!, r[7]!, r[8]!]);
    for (const cell of textCells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(textCells).toContain(`'=HYPERLINK("http://evil.example","x")`);
    expect(textCells).toContain("'-2+3");
    expect(textCells).toContain("'@SUM(A1:A9)");
    expect(textCells).toContain("'\tTAB");
    expect(textCells).toContain('line one\r\nFORGED: line two'); // kept intact inside quotes
    // Subjects keep their content.
    expect(rows.some((r) => r[0] === 'top_consumer_case' && r[1] === 'subject' && r[8] === '<script>alert(1)</script>')).toBe(true);
  });

  it('writes numbers as numbers, negative ones included', () => {
    const rows = parseCsv(renderCsv(hostileReport()));
    const opened = rows.find((r) => r[0] === 'category' && r[1] === 'opened' && r[2] === '<script>alert(1)</script>')!;
    expect(opened.slice(3, 8)).toEqual(['1', '20', '-19', '-95', 'count']);
    for (const r of rows.slice(1)) for (const cell of r.slice(3, 7)) expect(cell).toMatch(/^(-?\d+(\.\d+)?)?$/);
  });

  it('has a row per metric and dimension', () => {
    const rows = parseCsv(renderCsv(buildReport(baseInput())));
    const find = (section: string, metric: string, dimension = '') => rows.find((r) => r[0] === section && r[1] === metric && r[2] === dimension);
    expect(find('headline', 'firstResponseSla')).toEqual(['headline', 'firstResponseSla', '', '70', '50', '20', '', 'percent', '']);
    expect(find('headline', 'opened')).toEqual(['headline', 'opened', '', '10', '0', '10', '', 'count', '']);
    expect(find('channel', 'share', 'email')?.[3]).toBe('20');
    expect(find('backlog', 'open', '>7d')?.[3]).toBe('6');
    expect(find('escalation', 'rate_of_opened', 'L1')?.[3]).toBe('20');
  });
});

describe('the per-agent section (weekly email)', () => {
  const agentRows = (names: readonly string[]): AgentRow[] =>
    names.flatMap((name, i): AgentRow[] => [
      { key: { day: '2026-11-24', agentId: `agent-${i}`, category: 'refund' }, counters: { resolved: 4, reopened: 1, resolution_within_sla: 3, resolution_breached: 1, satisfaction_count: 2, satisfaction_sum: 9, ...histogram('rt', { 60: 1, 240: 3 }) } },
      { key: { day: '2026-11-25', agentId: `agent-${i}`, category: name }, counters: { first_responses: 1, first_response_within_sla: 1 } },
    ]);
  const weekly = (names: readonly string[]) => {
    const days = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'];
    return buildReport({
      ...baseInput(),
      cadence: 'weekly',
      period: '2026-W48',
      asOf: '2026-11-30T15:00:00.000Z',
      agents: agentReport(agentRows(names), days, new Map(names.map((n, i) => [`agent-${i}`, n]))),
    });
  };

  it('names each agent with their numbers and categories, in HTML and text', () => {
    const report = weekly(['Ana Lima']);
    const html = renderHtml(report);
    expect(html).toContain('Per agent');
    expect(html).toMatch(/<strong>Ana Lima<\/strong><\/td><td[^>]*>4<\/td><td[^>]*>100\.0%<\/td><td[^>]*>75\.0%<\/td>/);
    const text = renderText(report);
    expect(text).toMatch(/PER AGENT/);
    expect(text).toMatch(/Ana Lima\s+4\s+100\.0%\s+75\.0%\s+–\s+\S+ h\s+25\.0%\s+4\.5 \(2\)/);
    expect(text).toMatch(/\n\s+Refund\s+4\s/);
  });

  it('escapes hostile agent names and categories, and keeps to the allowed tags', () => {
    const html = renderHtml(weekly(HOSTILE));
    for (const h of HOSTILE) if (/[<>&"']/.test(h)) expect(html).not.toContain(h);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const { tag, attributes } of tagsOf(html)) {
      expect(ALLOWED_TAGS, tag).toContain(tag);
      for (const [name] of attributes) if (tag !== '!doctype') expect(ALLOWED_ATTRIBUTES, `${tag} ${name}`).toContain(name);
    }
    const text = renderText(weekly(HOSTILE));
    expect(text).not.toContain('\nFORGED');
  });

  it('has CSV rows per agent and per agent and category, names neutralised', () => {
    const rows = parseCsv(renderCsv(weekly(['Ana Lima', '=HYPERLINK("x")'])));
    const find = (metric: string, dimension: string) => rows.find((r) => r[0] === 'agent' && r[1] === metric && r[2] === dimension);
    expect(find('handled', 'agent-0')).toEqual(['agent', 'handled', 'agent-0', '4', '', '', '', 'count', 'Ana Lima']);
    expect(find('reopen_rate', 'agent-0/refund')?.[3]).toBe('25');
    expect(find('satisfaction_average', 'agent-0')?.[3]).toBe('4.5');
    expect(find('handled', 'agent-1')?.[8]).toBe(`'=HYPERLINK("x")`);
    for (const r of rows) expect(r).toHaveLength(9);
  });

  it('is left out of the daily email and its CSV', () => {
    const daily = buildReport({ ...baseInput(), agents: weekly(['Ana Lima']).agents });
    expect(renderHtml(daily)).not.toContain('Per agent');
    expect(renderText(daily)).not.toContain('PER AGENT');
    expect(parseCsv(renderCsv(daily)).some((r) => r[0] === 'agent')).toBe(false);
  });
});
