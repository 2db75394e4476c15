// `npm run build:web`: the public form and the agent console as static files in web/dist/.
// TypeScript bundled by esbuild (one ES module per page), HTML and CSS copied. The category options and
// field limits in the form's HTML come from the same code as the API's schema, so they cannot drift.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES } from '#domain/case.ts';
import { escapeHtml } from '#domain/html.ts';
import { categoryLabel } from '#domain/reporting/report.ts';
import { INQUIRY_LIMITS } from '#events/inquiry.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const dist = path.join(web, 'dist');

/** `{{name}}` placeholders in the HTML sources. */
const placeholders: Record<string, string> = {
  categoryOptions: CATEGORIES.map((c) => `<option value="${c}">${escapeHtml(categoryLabel(c))}</option>`).join('\n              '),
  ...Object.fromEntries(Object.entries(INQUIRY_LIMITS).map(([k, v]) => [`max.${k}`, String(v)])),
};

function renderHtml(file: string): string {
  return readFileSync(path.join(web, file), 'utf8').replace(/\{\{([\w.]+)\}\}/g, (_, name: string) => {
    const value = placeholders[name];
    if (value === undefined) throw new Error(`${file}: unknown placeholder {{${name}}}`);
    return value;
  });
}

export async function buildWeb(): Promise<void> {
  const started = performance.now();
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  await build({
    entryPoints: { form: path.join(web, 'src/form.ts'), console: path.join(web, 'src/console.ts') },
    outdir: dist,
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    platform: 'browser',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    tsconfig: path.join(web, 'tsconfig.json'),
    logLevel: 'warning',
  });
  for (const page of ['index.html', 'console.html']) writeFileSync(path.join(dist, page), renderHtml(page));
  copyFileSync(path.join(web, 'styles.css'), path.join(dist, 'styles.css'));
  copyFileSync(path.join(web, 'favicon.svg'), path.join(dist, 'favicon.svg'));
  console.log(`web/dist built in ${Math.round(performance.now() - started)} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildWeb();
