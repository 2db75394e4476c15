// Quantiles from a cumulative histogram (counters `<h>_le_<m>` … `<h>_le_inf`), as Prometheus'
// histogram_quantile does: find the bucket holding the q-th rank and interpolate linearly inside it
// (the first bucket starts at 0). A rank that falls in the +inf bucket cannot be interpolated: the
// answer is the highest finite edge, flagged `atLeast`.
import { histogramCounter, histogramEdgesIn, type Counters, type Histogram } from './counters.ts';

export interface Quantile {
  minutes: number;
  /** The true value is above `minutes` (the rank fell in the +inf bucket). */
  atLeast: boolean;
}

/** The q-quantile (0 ≤ q ≤ 1) in minutes, or null when the histogram is empty. */
export function histogramQuantile(counters: Readonly<Counters>, histogram: Histogram, q: number): Quantile | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be within [0, 1], got ${q}`);
  const edges = histogramEdgesIn(counters, histogram);
  const count = (edge: number) => counters[histogramCounter(histogram, edge === Infinity ? 'inf' : edge)] ?? 0;
  const total = Math.max(0, ...edges.map(count));
  if (total <= 0) return null;
  const rank = q * total;
  let lowerEdge = 0;
  let below = 0;
  for (const edge of edges) {
    const upTo = Math.max(below, count(edge)); // cumulative; never decreasing
    if (upTo >= rank && upTo > below) {
      if (edge === Infinity) return { minutes: lowerEdge, atLeast: true };
      return { minutes: lowerEdge + ((edge - lowerEdge) * (rank - below)) / (upTo - below), atLeast: false };
    }
    if (edge !== Infinity) lowerEdge = edge;
    below = upTo;
  }
  return { minutes: lowerEdge, atLeast: true };
}
