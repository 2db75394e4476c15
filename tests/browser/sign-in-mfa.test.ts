// The console's Cognito sign-in in a real browser, under the pages' CSP and Trusted Types: config.json
// says `cognito` and the Cognito endpoint is answered by the fake user pool (tests/web/fake-cognito.ts),
// whose ID tokens the local cloud's API accepts. A new agent changes the temporary password, scans the QR
// code (here: reads the key shown under it), enters the authenticator's code and reaches the queue; sign-out
// revokes the refresh token; the next sign-in asks for the TOTP code.
import type { Browser, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoError } from '../../web/src/console/cognito.ts';
import { FakeCognito, totp } from '../web/fake-cognito.ts';
import { request } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, url } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const pool = new FakeCognito(async () => (await request<{ token: string }>('GET', '/local/token?role=agent&user=alice&expiresInSeconds=3600')).body.token);

async function answerCognito(route: Route): Promise<void> {
  const req = route.request();
  const target = (await req.headerValue('x-amz-target'))?.replace('AWSCognitoIdentityProviderService.', '') ?? '';
  try {
    const answer = await pool.call(target, JSON.parse(req.postData() ?? '{}') as Record<string, unknown>);
    await route.fulfill({ status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(answer) });
  } catch (error) {
    const code = error instanceof CognitoError ? error.code : 'InternalErrorException';
    await route.fulfill({ status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: code, message: (error as Error).message }) });
  }
}

describe('signing in with Cognito and TOTP', () => {
  it('enrols an authenticator from the QR code at the first sign-in, then asks for its code every time', async () => {
    const { page, context, problems, requests } = await open(browser);
    await page.route('**/config.json', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ auth: 'cognito', region: 'us-east-1', userPoolId: 'us-east-1_local', clientId: 'client-1' }) }),
    );
    await page.route('https://cognito-idp.us-east-1.amazonaws.com/', answerCognito);

    await page.goto(url('/console#/queue'));
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByLabel('Password', { exact: true }).fill('Temp-Passw0rd!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Choose a new password').fill('A-much-longer-Passw0rd!');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const qr = page.getByRole('img', { name: 'QR code of your authenticator key' });
    await qr.waitFor();
    expect(await qr.evaluate((el) => el.tagName.toLowerCase())).toBe('svg');
    const secret = (await page.locator('.totp-secret').textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.id')).toBe('totp-code');
    await screenshot(page, 'console-totp-setup');
    await page.getByLabel('Code from your authenticator app').fill(totp(secret, pool.now));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // The API took Cognito's ID token: the queue loaded (a fresh cloud may have no cases yet).
    await page.locator('table.queue, p.empty').first().waitFor();
    expect(requests).toContain('GET /cases');
    // Both tokens for this tab only; nothing in localStorage.
    expect(await page.evaluate("[sessionStorage.getItem('trustdesk.refresh'), localStorage.length]")).toEqual([expect.stringMatching(/^refresh-/), 0]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await expect.poll(() => pool.calls.at(-1)).toBe('RevokeToken');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByLabel('Password', { exact: true }).fill('A-much-longer-Passw0rd!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code from your authenticator app').waitFor();
    await page.getByLabel('Code from your authenticator app').fill('000000' === totp(secret, pool.now) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Invalid code received for user').waitFor();
    await page.getByLabel('Code from your authenticator app').fill(totp(secret, pool.now));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
