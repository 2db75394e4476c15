import { describe, expect, it } from 'vitest';
import { parseProfilesCsv } from '../../scripts/profiles-csv.ts';

describe('parseProfilesCsv', () => {
  it('reads valid rows in any column order, with quotes, a BOM and CRLF', () => {
    const csv = '\uFEFFtier,userId,lifetimeSpend\r\nGold,u_1,1200.50\r\n"top","u_2","99000"\r\n\r\n';
    expect(parseProfilesCsv(csv)).toEqual({
      profiles: [
        { userId: 'u_1', tier: 'gold', lifetimeSpend: 1200.5 },
        { userId: 'u_2', tier: 'top', lifetimeSpend: 99000 },
      ],
      problems: [],
    });
  });

  it('reports every bad row by line and keeps none of them', () => {
    const csv = 'userId,tier,lifetimeSpend\nu_1,gold,10\n,silver,5\nu_3,diamond,-4\nu_1,gold,10\n';
    const { profiles, problems } = parseProfilesCsv(csv);
    expect(profiles.map((p) => p.userId)).toEqual(['u_1']);
    expect(problems).toEqual([
      { line: 3, message: expect.stringContaining('userId') },
      { line: 4, message: expect.stringContaining('tier') },
      { line: 4, message: expect.stringContaining('lifetimeSpend') },
      { line: 5, message: expect.stringContaining('twice') },
    ]);
  });

  it('keeps an optional email column in lower case, empty meaning none, and names a malformed one', () => {
    const csv = 'userId,tier,lifetimeSpend,email\nu_1,gold,10,Ana.Lima@Example.COM\nu_2,top,5,\nu_3,gold,1,not-an-address\n';
    const { profiles, problems } = parseProfilesCsv(csv);
    expect(profiles).toEqual([
      { userId: 'u_1', tier: 'gold', lifetimeSpend: 10, email: 'ana.lima@example.com' },
      { userId: 'u_2', tier: 'top', lifetimeSpend: 5 },
    ]);
    expect(problems).toEqual([{ line: 4, message: expect.stringContaining('email') }]);
  });

  it('refuses a file without the expected header', () => {
    expect(parseProfilesCsv('id,level\n1,2').problems).toEqual([{ line: 1, message: expect.stringContaining('header') }]);
  });
});
