import { describe, expect, it } from 'vitest';
import { isPermanentFailure, parseDeliveryReport } from '#domain/email/delivery-status.ts';

const POSTFIX = `Reporting-MTA: dns; mx.example.com
X-Postfix-Queue-ID: 4F1A21C0
Arrival-Date: Thu,  3 Dec 2026 10:00:00 +0000 (UTC)

Final-Recipient: rfc822; Sam@Example.com
Original-Recipient: rfc822;sam@example.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; mail.example.com
Diagnostic-Code: smtp; 550 5.1.1 <sam@example.com>: Recipient address
    rejected: User unknown in virtual mailbox table
`;

const HEADERS = `From: Trust & Experience <noreply@trustdesk.local>
To: sam@example.com
Subject: [TD-1] Re: Coins
Message-ID:
 <0100018c5e1f2a3b-1c2d3e4f-aaaa-bbbb-cccc-0123456789ab-000000@email.amazonses.com>
`;

describe('parseDeliveryReport', () => {
  it('reads the failed recipient, status, unfolded diagnostic code and the original Message-ID', () => {
    expect(parseDeliveryReport(POSTFIX, HEADERS)).toEqual({
      reportingMta: 'dns; mx.example.com',
      originalMessageId: '0100018c5e1f2a3b-1c2d3e4f-aaaa-bbbb-cccc-0123456789ab-000000@email.amazonses.com',
      recipients: [
        {
          address: 'sam@example.com',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 <sam@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
        },
      ],
    });
  });

  it('reads every recipient group, with CRLF line endings', () => {
    const two = `${POSTFIX}\nFinal-Recipient: rfc822; ana@example.org\nAction: delayed\nStatus: 4.4.1\n`.replace(/\n/g, '\r\n');
    const report = parseDeliveryReport(two);
    expect(report?.recipients.map((r) => [r.address, r.action, r.status])).toEqual([
      ['sam@example.com', 'failed', '5.1.1'],
      ['ana@example.org', 'delayed', '4.4.1'],
    ]);
    expect(report?.originalMessageId).toBeUndefined();
  });

  it('is undefined for a report that names no recipient with an action and a status', () => {
    expect(parseDeliveryReport('Reporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; sam@example.com\n')).toBeUndefined();
    expect(parseDeliveryReport('this is not a report at all')).toBeUndefined();
    expect(parseDeliveryReport('')).toBeUndefined();
  });

  it('calls only a failed 5.x.x a permanent failure', () => {
    expect(isPermanentFailure({ address: 'a@b.c', action: 'failed', status: '5.1.1' })).toBe(true);
    expect(isPermanentFailure({ address: 'a@b.c', action: 'delayed', status: '4.4.1' })).toBe(false);
    expect(isPermanentFailure({ address: 'a@b.c', action: 'failed', status: '4.2.2' })).toBe(false);
  });
});
