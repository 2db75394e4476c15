// What the person wrote in a reply, without the history their mail client quoted below it.
// Each client marks the history its own way (and in the writer's language): Gmail and Apple Mail an
// "On … wrote:" line, Outlook a From:/Sent:/To:/Subject: block or an underscore rule, older clients
// "-----Original Message-----", plain-text clients `>` on every quoted line; phones add a signature.
// The cut is made at the first such marker; the full text is kept beside it, so nothing is lost when
// a rule cuts too early.

export interface SplitReply {
  /** What the person wrote this time. */
  newText: string;
  /** The whole body as it arrived (line endings normalised). */
  fullText: string;
  /** Whether anything was cut. */
  quoted: boolean;
}

/** "On … wrote:" and its translations; Gmail may wrap it, so it may span two lines. */
const ATTRIBUTION = [
  /^On\b.{4,}\bwrote:\s*$/i, // en (Gmail, Apple Mail, Thunderbird, Yahoo)
  /^El\b.{4,}\bescribi[oó]:\s*$/i, // es
  /^Em\b.{4,}\bescreveu:\s*$/i, // pt
  /^Le\b.{4,}\ba [ée]crit\s?:\s*$/i, // fr
  /^Am\b.{4,}\bschrieb\b.*:\s*$/i, // de (Gmail: "Am … schrieb X <x@y>:", Apple Mail the same)
  /^Il\b.{4,}\bha scritto:\s*$/i, // it
  /^Op\b.{4,}\bschreef\b.*:\s*$/i, // nl
];

/** The first line of Outlook's header block, and the fields that must follow it within a few lines. */
const OUTLOOK_FROM = /^\*?(From|De|Von|Da|Van)\s?:\*?\s+\S/i;
const OUTLOOK_FIELD = /^\*?(Sent|Date|Enviado|Enviada|Fecha|Data|Gesendet|Datum|Envoy[ée]|Inviato|Verzonden|To|Para|An|À|A|Aan|Subject|Asunto|Assunto|Betreff|Objet|Oggetto|Onderwerp)\s?:\*?\s/i;
const SEPARATOR = [
  /^_{10,}\s*$/, // Outlook (desktop and web) above its header block
  /^-{2,}\s*(Original Message|Urspr[üu]ngliche Nachricht|Mensaje original|Mensagem original|Message d'origine|Messaggio originale)\s*-{2,}/i,
  /^-{2,}\s*(Forwarded message|Mensaje reenviado|Mensagem encaminhada|Message transf[ée]r[ée]|Weitergeleitete Nachricht)\s*-{2,}/i,
  /^Begin forwarded message:\s*$/i,
];
/** The line a phone or a mail app adds under what was typed on it. */
const MOBILE_SIGNATURE =
  /^(Sent from (my |the )?(iPhone|iPad|Android|Galaxy|Samsung|mobile|BlackBerry|Huawei|Xiaomi|phone|smartphone)|Sent from (Yahoo Mail|Outlook|Mail|my [\w -]{2,40})( for \w+)?|Sent via \w+|Get Outlook for (iOS|Android)|Enviado desde mi (iPhone|iPad|Android|m[oó]vil|celular|smartphone|Samsung)|Enviado do meu (iPhone|iPad|Android|celular|smartphone)|Enviado de (meu|mi) \w+|Envoy[ée] de mon (iPhone|iPad|Android|mobile|smartphone)|Von meinem (iPhone|iPad|Android|Smartphone|Handy)( gesendet)?|Gesendet von meinem \w+|Inviato da (iPhone|il mio \w+))[\s.!]*$/i;

/** Split a plain-text reply into what is new and what was quoted. */
export function splitQuotedHistory(text: string): SplitReply {
  const fullText = text.replace(/\r\n?/g, '\n');
  const lines = fullText.split('\n');
  const cut = historyStart(lines);
  let kept = (cut >= 0 ? lines.slice(0, cut) : lines).filter((l) => !/^\s*>/.test(l));
  kept = dropMobileSignature(kept);
  const newText = tidy(kept.join('\n'));
  return { newText, fullText: fullText.trim(), quoted: newText !== tidy(fullText) };
}

/** The index of the first line of quoted history, or -1. */
function historyStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (SEPARATOR.some((p) => p.test(line))) return i;
    if (ATTRIBUTION.some((p) => p.test(line))) return i;
    // Gmail wraps a long attribution: "On Mon, 1 Dec 2026 at 10:00, Sam <sam@x.com>" / "wrote:".
    const next = lines[i + 1]?.trim() ?? '';
    if (next && line.length < 200 && ATTRIBUTION.some((p) => p.test(`${line} ${next}`)) && /^(On|El|Em|Le|Am|Il|Op)\b/i.test(line)) return i;
    if (OUTLOOK_FROM.test(line) && outlookBlockFollows(lines, i)) return i;
  }
  return -1;
}

/** Outlook's block: From: then at least two of Sent/Date, To, Subject within the next five lines. */
function outlookBlockFollows(lines: string[], from: number): boolean {
  const following = lines.slice(from + 1, from + 6).map((l) => l.trim());
  return following.filter((l) => OUTLOOK_FIELD.test(l)).length >= 2;
}

function dropMobileSignature(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  if (out.length > 0 && MOBILE_SIGNATURE.test(out[out.length - 1]!.trim())) out.pop();
  return out;
}

const tidy = (s: string) => s.replace(/[^\S\n]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();

const FORWARD_MARKER = /^(-{2,}\s*(Forwarded message|Forwarded Message|Original Message|Mensaje reenviado|Mensagem encaminhada|Message transf[ée]r[ée]|Weitergeleitete Nachricht|Urspr[üu]ngliche Nachricht)\s*-{2,}|Begin forwarded message:|_{10,})\s*$/i;
const FORWARD_FROM = /^\*?(From|De|Von|Da)\s?:\*?\s*(.+)$/i;

/** The original sender a forwarded message states ("From: Sam <sam@x.com>" under the forward marker). */
export function forwardedSender(text: string): { email: string; name?: string } | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trim());
  const marker = lines.findIndex((l) => FORWARD_MARKER.test(l));
  if (marker < 0) return undefined;
  for (const line of lines.slice(marker + 1, marker + 8)) {
    const from = FORWARD_FROM.exec(line)?.[2];
    if (!from) continue;
    const bracketed = /^"?([^"<]*?)"?\s*[<[]\s*(?:mailto:)?([^\s<>@]+@[^\s<>@\]]+)\s*[>\]]/.exec(from);
    const bare = /^([^\s<>@]+@[^\s<>@]+)$/.exec(from);
    const email = (bracketed?.[2] ?? bare?.[1])?.toLowerCase();
    if (!email) return undefined;
    const name = bracketed?.[1]?.trim();
    return { email, ...(name && { name }) };
  }
  return undefined;
}
