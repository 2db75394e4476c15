// Rendering a Report for the emails: the HTML body, its plain-text alternative, a CSV attachment and
// the subject line. Each format lives in its own file; this is the one place to import them from.
import { oneLine } from './format.ts';
import type { Report } from './report.ts';

export { renderHtml } from './render-html.ts';
export { renderText } from './render-text.ts';
export { neutralise, renderCsv } from './render-csv.ts';

/** A subject line: one line, no control characters (no header injection), at most 200 characters. */
export function renderSubject(report: Report): string {
  return oneLine(report.title, 200);
}
