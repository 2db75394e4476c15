// How report numbers read in the emails (HTML and text alike). Pure; output is plain text, not yet
// escaped for any format.
import type { Metric } from './report.ts';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return Number.isInteger(n) ? integer.format(n) : oneDecimal.format(n);
}

export function formatPercent(n: number | null): string {
  return n === null ? '–' : `${oneDecimal.format(n)}%`;
}

export function formatMinutes(minutes: number): string {
  if (minutes < 120) return `${minutes < 10 ? oneDecimal.format(minutes) : integer.format(minutes)} min`;
  if (minutes < 2880) return `${oneDecimal.format(minutes / 60)} h`;
  return `${oneDecimal.format(minutes / 1440)} d`;
}

function formatValue(unit: Metric['unit'], value: number | null, atLeast: boolean): string {
  if (value === null) return '–';
  const text = unit === 'percent' ? formatPercent(value) : unit === 'minutes' ? formatMinutes(value) : formatCount(value);
  return atLeast ? `> ${text}` : text;
}

export const formatCurrent = (m: Metric): string => formatValue(m.unit, m.current, m.atLeast?.current ?? false);
export const formatPrevious = (m: Metric): string => formatValue(m.unit, m.previous, m.atLeast?.previous ?? false);

const signed = (text: string, n: number) => (n > 0 ? `+${text}` : n < 0 ? `−${text.replace(/^-/, '')}` : text);

/** "+12 (+20.0%)", "+3.5 pp", "+4 (new)", "0 (0.0%)", or "–" when there is nothing to compare. */
export function formatChange(m: Metric): string {
  if (m.delta === null) return '–';
  if (m.unit === 'percent') return `${signed(oneDecimal.format(m.delta), m.delta)} pp`;
  const delta = m.unit === 'minutes' ? signed(formatMinutes(Math.abs(m.delta)), m.delta) : signed(formatCount(m.delta), m.delta);
  if (m.changePct === null) return m.previous === 0 ? `${delta} (new)` : delta;
  return `${delta} (${signed(oneDecimal.format(m.changePct), m.changePct)}%)`;
}

/**
 * A data string made safe for one line of plain text: control characters (including CR, LF, tab
 * and the Unicode line/paragraph separators and bidi overrides) become spaces, runs of spaces
 * collapse, and it is cut to `max` characters.
 */
export function oneLine(value: unknown, max = 120): string {
  const text = String(value ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
