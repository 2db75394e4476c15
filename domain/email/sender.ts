// Who sent a message, when its From is not as simple as one address. Seen in real mailboxes: two From
// headers, a From with a display name and no address ("Support Team"), a From of several mailboxes,
// or a broken one; RFC 5322 then names Sender, and the reply goes to Reply-To. The first usable
// address wins, in that order: From (each of them), Reply-To, Sender. Pure: the parser supplies the
// candidates; none usable means the message is quarantined.

export interface Mailbox {
  address?: string;
  name?: string;
}

export interface SenderHeaders {
  /** Every mailbox of every From header, in order. */
  from: Mailbox[];
  replyTo: Mailbox[];
  sender: Mailbox[];
}

/** RFC 5321's limit; a longer "address" is not one (and would not fit in a key). */
const MAX_ADDRESS_LENGTH = 254;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export const usableAddress = (address: string | undefined): string | undefined => {
  const normalized = address?.trim().toLowerCase();
  return normalized && normalized.length <= MAX_ADDRESS_LENGTH && EMAIL.test(normalized) ? normalized : undefined;
};

/** The first usable sender, with the display name that came with it (or From's, when it had one). */
export function chooseSender(h: SenderHeaders): { email: string; name?: string; source: 'from' | 'reply-to' | 'sender' } | undefined {
  const sources = [
    ['from', h.from],
    ['reply-to', h.replyTo],
    ['sender', h.sender],
  ] as const;
  for (const [source, mailboxes] of sources) {
    for (const m of mailboxes) {
      const email = usableAddress(m.address);
      if (!email) continue;
      const name = oneLine(m.name ?? '') || (source === 'from' ? '' : oneLine(h.from.find((f) => f.name)?.name ?? ''));
      return { email, ...(name && { name: name.slice(0, 120) }), source };
    }
  }
  return undefined;
}

const oneLine = (s: string) => s.replace(/[\r\n\u2028\u2029\t]+/g, ' ').replace(/\p{Cc}/gu, '').trim();
