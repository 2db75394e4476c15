// The frame of every public page (the web form's answers, the rating pages): our stylesheet, no script, a
// strict CSP, never cached. Built with domain/html.ts's `html` tag, so each value in a page is escaped.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { html, type SafeHtml } from '#domain/html.ts';

/** Nothing but our stylesheet: these pages have no script, no frames, and post only to us. */
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function page(statusCode: number, title: string, body: SafeHtml): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · trustdesk</title>
<link rel="stylesheet" href="/styles.css">
</head>
<body class="public">
<header class="site-header"><p class="brand"><span class="brand-mark" aria-hidden="true">◆</span> trustdesk <span class="brand-sub">Trust &amp; Safety</span></p></header>
<main id="main" class="narrow">
${body}
</main>
</body>
</html>
`.toString(),
  };
}

