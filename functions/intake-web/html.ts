// Answers for a browser that posted the form itself (no JavaScript): small HTML pages instead of JSON.
// Only when the body is form-encoded AND the Accept header prefers HTML; JSON clients see no change.
// Built with domain/html.ts's `html` tag like every other page and email, so each value is escaped.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { html } from '#domain/html.ts';
import { INQUIRY_LABELS, type FieldProblem } from '#events/inquiry.ts';
import { jsonFailure, type FailureAnswer } from '#lib/http.ts';
import { page } from '#lib/public-page.ts';

/** q-value of the best Accept entry matching a media type (exact, type/*, then *\/*). */
function quality(accept: string, mediaType: string): number {
  const [type] = mediaType.split('/');
  let best = -1;
  let bestSpecificity = -1;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === mediaType ? 2 : range === `${type}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity < 0 || specificity < bestSpecificity) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    if (specificity > bestSpecificity || value > best) {
      best = Number.isFinite(value) ? value : 0;
      bestSpecificity = specificity;
    }
  }
  return Math.max(best, 0);
}

/** A browser's own form post: form-encoded, and HTML preferred over JSON. */
export function wantsHtml(headers: Record<string, string | undefined>): boolean {
  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') return false;
  const accept = headers.accept ?? '';
  const html = quality(accept, 'text/html');
  return html > 0 && html > quality(accept, 'application/json');
}

const labelOf = (field: string): string => (Object.hasOwn(INQUIRY_LABELS, field) ? INQUIRY_LABELS[field as keyof typeof INQUIRY_LABELS] : field);

/** 201: the case exists; the reference is on screen (and in the acknowledgement email). */
export function confirmationPage(reference: string): APIGatewayProxyResult {
  return page(
    201,
    `Case ${reference}`,
    html`<section class="confirmation" aria-labelledby="confirmation-title">
<h1 id="confirmation-title">We have your inquiry</h1>
<p>Your case reference is</p>
<p class="reference"><strong id="reference">${reference}</strong></p>
<p>Keep it: put it in the subject when you write to us about this again. We have sent a copy to your email address, and an agent will get back to you there.</p>
<p><a class="button" href="/">Send another inquiry</a></p>
</section>`,
  );
}

/** 4xx: what was wrong, field by field; the browser's Back button returns to the filled-in form. */
export function problemPage(statusCode: number, message: string, problems: FieldProblem[]): APIGatewayProxyResult {
  const items = problems.length > 0 ? problems.map((p) => html`\n<li>${labelOf(p.field)} ${p.message}</li>`) : html`\n<li>${message}</li>`;
  return page(
    statusCode,
    'Please correct your inquiry',
    html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
<h1 id="error-summary-title">Please correct the following</h1>
<ul id="error-summary-list">${items}
</ul>
</div>
<p>Nothing was sent. Use your browser's Back button to correct the form, or <a href="/">start again</a>.</p>`,
  );
}

export function errorPage(statusCode: number): APIGatewayProxyResult {
  return page(
    statusCode,
    'Something went wrong',
    html`<h1>We could not take your inquiry just now</h1>
<p>Nothing was lost on your side: go back and send the form again in a minute.</p>`,
  );
}

/**
 * The shared error mapping (lib/http.ts's describeFailure), answered as a page when a browser posted the
 * form itself: a refusal names what to correct; busy or broken on our side, the page says to try again.
 */
export const pageOrJson: FailureAnswer = (failure, event) => {
  if (!wantsHtml(event.headers)) return jsonFailure(failure, event);
  return failure.kind === 'refused' ? problemPage(failure.status, failure.message, failure.fields ?? []) : errorPage(failure.status);
};
