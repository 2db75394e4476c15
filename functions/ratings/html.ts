// The public rating pages (no sign-in, no script): the confirmation a rating link opens, the thanks once it is
// recorded, and a clear page for each refusal (forged, expired, used, superseded, bad input), which changed
// nothing. Every value is escaped by the `html` tag; the token travels only in a hidden field posted to us.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { html } from '#domain/html.ts';
import { MAX_RATING_COMMENT, RATING_SCORES } from '#domain/satisfaction.ts';
import type { FailureAnswer } from '#lib/http.ts';
import { page } from '#lib/public-page.ts';

const LABELS: Record<number, string> = { 1: 'Very dissatisfied', 2: 'Dissatisfied', 3: 'Neutral', 4: 'Satisfied', 5: 'Very satisfied' };

/** 200: "Rate N — confirm", with the score still changeable and an optional comment. */
export function confirmPage(reference: string, score: number, token: string): APIGatewayProxyResult {
  const choices = RATING_SCORES.map(
    (n) => html`
<label class="rating-choice"><input type="radio" name="score" value="${n}"${n === score ? html` checked` : html``}> ${n} · ${LABELS[n]}</label>`,
  );
  return page(
    200,
    `Rate case ${reference}`,
    html`<section class="rating" aria-labelledby="rating-title">
<h1 id="rating-title">Rate ${score} out of 5 — please confirm</h1>
<p>How satisfied are you with how we handled case <strong id="reference">${reference}</strong>? Confirm your rating below; a comment is optional.</p>
<form method="post" action="ratings" class="rating-form">
<input type="hidden" name="token" value="${token}">
<fieldset>
<legend>Your rating</legend>${choices}
</fieldset>
<label for="comment">Comment (optional, at most ${MAX_RATING_COMMENT} characters)</label>
<textarea id="comment" name="comment" rows="4" maxlength="${MAX_RATING_COMMENT}"></textarea>
<p><button type="submit" class="button" id="confirm">Confirm my rating</button></p>
</form>
</section>`,
  );
}

/** 201: recorded. */
export function thanksPage(reference: string, score: number): APIGatewayProxyResult {
  return page(
    201,
    'Thank you',
    html`<section class="confirmation" aria-labelledby="thanks-title">
<h1 id="thanks-title">Thank you for your rating</h1>
<p id="outcome">We recorded your rating of <strong>${score} out of 5</strong> for case ${reference}.</p>
</section>`,
  );
}

const TITLES: Record<string, string> = {
  rating_link_invalid: 'This rating link is not valid',
  rating_link_expired: 'This rating link has expired',
  rating_case_unknown: 'Case not found',
  already_rated: 'Already rated',
  rating_superseded: 'This link is out of date',
  not_rateable: 'No rating for this case',
  validation_failed: 'Please correct your rating',
};

/** Every failure is a page: a refusal says why (and that nothing changed); our own trouble says to try again. */
export const ratingFailurePage: FailureAnswer = (failure) => {
  if (failure.kind !== 'refused') {
    return page(failure.status, 'Something went wrong', html`<h1>We could not record your rating just now</h1>
<p id="outcome">Nothing was recorded. Please open the link from our email again in a minute.</p>`);
  }
  const title = TITLES[failure.code] ?? 'We could not take this rating';
  const items = (failure.fields ?? []).map((f) => html`\n<li>${f.field} ${f.message}</li>`);
  return page(
    failure.status,
    title,
    html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" data-code="${failure.code}">
<h1 id="error-summary-title">${title}</h1>
<p id="outcome">${failure.message}</p>${items.length > 0 ? html`\n<ul id="error-summary-list">${items}\n</ul>\n<p>Nothing was recorded.</p>` : html``}
</div>`,
  );
};
