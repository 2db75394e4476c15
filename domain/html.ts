// The one HTML escaper: every page and email trustdesk writes (the report emails, the requester and
// escalation emails, the web intake's pages) is built with the `html` tag below. Every interpolated
// value is escaped; only fragments the tag itself produced are inserted as they are, so a template
// cannot forget to escape and nothing can pass raw markup in by accident.

/** A fragment of markup built by `html`; nothing else can make one. */
export class SafeHtml {
  readonly #markup: string;
  private constructor(markup: string) {
    this.#markup = markup;
  }
  static fromTemplate(strings: TemplateStringsArray, values: readonly Interpolation[]): SafeHtml {
    let out = strings[0]!;
    values.forEach((v, i) => {
      out += render(v) + strings[i + 1]!;
    });
    return new SafeHtml(out);
  }
  toString(): string {
    return this.#markup;
  }
}

export type Interpolation = string | number | SafeHtml | readonly SafeHtml[] | null | undefined;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text made safe for an HTML element or a double-quoted attribute. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

function render(v: Interpolation): string {
  if (v === null || v === undefined) return '';
  if (v instanceof SafeHtml) return v.toString();
  if (Array.isArray(v)) return v.map((x) => render(x)).join('');
  return escapeHtml(v);
}

/** Markup with every interpolated value escaped (null and undefined render as nothing, arrays as their concatenation). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  return SafeHtml.fromTemplate(strings, values);
}
