import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';

// The email intake's bundle decodes mailparser's charsets with the runtime's TextDecoder instead of
// iconv-lite and encoding-japanese, encodes mailparser's HTML without he, and gives it a linkify-it that
// links nothing (esbuild aliases in infra/function-bundle.ts); the unit tests parse mail through the same
// swaps, for the imports libmime and mailparser make (tests still use iconv-lite to encode).
const local = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const textCodecs = local('./functions/lib/text-codecs.ts');
const mailparserSwaps: Record<string, string> = {
  he: local('./functions/lib/html-encode.ts'),
  'linkify-it': local('./functions/lib/no-linkify.ts'),
  tlds: local('./functions/lib/no-tlds.cjs'),
};
const bundledCharsets: Plugin = {
  name: 'bundled-charsets',
  enforce: 'pre',
  resolveId(source, importer) {
    if ((source === 'iconv-lite' || source === 'encoding-japanese') && importer?.includes('/node_modules/libmime/')) return textCodecs;
    if (source in mailparserSwaps && importer?.includes('/node_modules/mailparser/')) return mailparserSwaps[source];
    return null;
  },
};

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [bundledCharsets],
        test: {
          name: 'unit',
          // Transformed by vite, so the plugin above sees libmime's imports.
          server: { deps: { inline: ['mailparser', 'libmime'] } },
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/integration/**', 'tests/reliability/**', 'tests/browser/**', 'node_modules/**'],
        },
      },
      {
        test: {
          // The reliability suite runs here at its light sizes (tests/reliability/scale.ts).
          name: 'integration',
          include: ['tests/integration/**/*.test.ts', 'tests/reliability/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The reliability suite at its heavy sizes: `npm run test:reliability` (TRUSTDESK_RELIABILITY=heavy).
          name: 'reliability',
          include: ['tests/reliability/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Debian's chromium driven by playwright-core against an in-memory local cloud: `npm run test:browser`.
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          globalSetup: ['tests/browser/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
