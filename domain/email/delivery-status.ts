// A delivery-status notification (RFC 3464): which recipient failed, why, and which message it is
// about. Mail servers (Postfix, Exim, Exchange, Gmail) send one as multipart/report; report-type=
// delivery-status with a message/delivery-status part and the original's headers (text/rfc822-headers
// or the whole message/rfc822). Pure text in, facts out: a report that says nothing usable is `undefined`,
// and the caller records it as automatic mail that changes no case.

export interface FailedRecipient {
  /** The address the report is about (Final-Recipient, else Original-Recipient), lower case. */
  address: string;
  /** RFC 3464 Action: failed, delayed, delivered, relayed, expanded. */
  action: string;
  /** RFC 3463 status, e.g. 5.1.1. */
  status: string;
  /** The remote server's answer, e.g. "smtp; 550 5.1.1 <x@y>: Recipient address rejected". */
  diagnosticCode?: string;
}

export interface DeliveryReport {
  recipients: FailedRecipient[];
  /** The Message-ID of the message the report is about (normalised: no brackets, lower case). */
  originalMessageId?: string;
  reportingMta?: string;
}

/** Parse the delivery-status part and the original headers; undefined when no recipient is named. */
export function parseDeliveryReport(deliveryStatus: string, originalHeaders = ''): DeliveryReport | undefined {
  const [perMessage = new Map<string, string>(), ...perRecipient] = fieldGroups(deliveryStatus);
  const recipients = perRecipient.flatMap((fields): FailedRecipient[] => {
    const address = addressOf(fields.get('final-recipient') ?? fields.get('original-recipient'));
    const action = fields.get('action')?.toLowerCase();
    const status = /\d\.\d{1,3}\.\d{1,3}/.exec(fields.get('status') ?? '')?.[0];
    if (!address || !action || !status) return [];
    const diagnosticCode = fields.get('diagnostic-code');
    return [{ address, action, status, ...(diagnosticCode && { diagnosticCode: diagnosticCode.slice(0, 500) }) }];
  });
  if (recipients.length === 0) return undefined;
  const originalMessageId = messageIdOf(originalHeaders);
  const reportingMta = perMessage.get('reporting-mta');
  return { recipients, ...(originalMessageId && { originalMessageId }), ...(reportingMta && { reportingMta }) };
}

/** A permanent failure (5.x.x and failed): the address will not take mail. Delays are not bounces. */
export const isPermanentFailure = (r: FailedRecipient): boolean => r.action === 'failed' && r.status.startsWith('5.');

/** Blank-line separated groups of `Name: value` fields, continuation lines unfolded. */
function fieldGroups(text: string): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.replace(/\n[ \t]+/g, ' ').split('\n')) {
      const m = /^([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
      if (m && !fields.has(m[1]!.toLowerCase())) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    if (fields.size > 0) groups.push(fields);
  }
  return groups;
}

/** "rfc822; Sam@Example.com" → "sam@example.com". */
function addressOf(field: string | undefined): string | undefined {
  const raw = field?.includes(';') ? field.slice(field.indexOf(';') + 1) : field;
  const address = raw?.trim().replace(/^<|>$/g, '').toLowerCase();
  return address && /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
}

function messageIdOf(headers: string): string | undefined {
  const unfolded = headers.replace(/\r\n?/g, '\n').replace(/\n[ \t]+/g, ' ');
  const m = /^Message-ID:\s*<?([^\s<>]+@[^\s<>]+)>?/im.exec(unfolded);
  return m?.[1]?.toLowerCase();
}
