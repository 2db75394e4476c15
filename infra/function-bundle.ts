// How every trustdesk function is bundled: one minified ESM file per handler (cdk.out/asset.*/index.mjs, the
// same file the local cloud imports), built by esbuild's JS API rather than by NodejsFunction's own bundling,
// because the CDK drives the esbuild CLI, which takes no plugins, and one plugin is worth ~50 KB per AWS client
// in every bundle (`literalSchemaKeys` below). AppFunction's Code is an asset bundled locally (its hash taken
// from the output, as NodejsFunction does); the CDK's bundling hook is synchronous and plugins need esbuild's
// asynchronous build, so it runs this file as a child process, `tsx infra/function-bundle.ts <entry> <outdir>`
// (which is why nothing here imports the CDK: the child starts in a fraction of a second). The AWS SDK stays bundled on purpose (pinned versions, tested locally with the exact bundle; the
// credential chain alias below only works on a bundled SDK): the wins come from what esbuild can drop.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

/** This file, which AppFunction runs as a child process to bundle one handler. */
export const BUNDLER = fileURLToPath(import.meta.url);
const projectRoot = path.resolve(path.dirname(BUNDLER), '..');

/**
 * The SDK's generated schema modules (one per client, every operation and shape of the service) describe
 * each operation as `[9, n0, _SE, { [_h]: ["POST", "/v2/email/outbound-emails", 200] }, …]`. A computed key is
 * a possible side effect to esbuild (ToPropertyKey may run code), so it keeps every operation and, through
 * them, every shape: SES v2's 485 schemas for the one SendEmail the functions call, S3's for its four
 * commands. Each such key is a `const _h = "http"` string of the same file: writing the string in its place
 * is the same object, and esbuild then drops what nothing references.
 */
export const literalSchemaKeys: Plugin = {
  name: 'literal-sdk-schema-keys',
  setup(b) {
    b.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const strings = new Map<string, string>();
      for (const m of source.matchAll(/^const (_[\w$]+) = ("(?:[^"\\\n]|\\.)*");$/gm)) strings.set(m[1]!, m[2]!);
      const contents = source.replace(/\[(_[\w$]+)\]:/g, (key, name: string) => {
        const literal = strings.get(name);
        return literal === undefined ? key : `${literal}:`;
      });
      return { contents, loader: 'js' };
    });
  },
};

/**
 * One copy of a package that dependencies pin in two versions, each import of it resolved as if made from
 * `from` (its directory): entities 4 (dom-serializer's, for three escape functions) and 7 (htmlparser2's)
 * each carry the full HTML entity tables (~100 KB together), and mailparser pins its own nodemailer for the
 * address parser the email intake already bundles from the project's.
 */
export function onePackageCopy(packages: Record<string, string>): Plugin {
  const names = Object.keys(packages).map((name) => name.replace(/[/.]/g, '\\$&'));
  return {
    name: 'one-package-copy',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(${names.join('|')})(/|$)`) }, async (args) => {
        if (args.pluginData === 'one-package-copy') return undefined;
        const name = Object.keys(packages).find((n) => args.path === n || args.path.startsWith(`${n}/`))!;
        const result = await b.resolve(args.path, { kind: args.kind, resolveDir: packages[name]!, importer: args.importer, pluginData: 'one-package-copy' });
        return result.errors.length > 0 ? { errors: result.errors } : { path: result.path, external: result.external, sideEffects: result.sideEffects };
      });
    },
  };
}

/**
 * The SDK loads its event-stream codec with a lazy import() that only event-stream operations (S3 Select,
 * Bedrock streaming…) reach; none of ours do, so that import stays outside the bundle (bundling it would
 * inline 13 KB). The S3 client also imports two helpers of the same module statically, at construction: those
 * are bundled, since an external static import is loaded from node_modules at every cold start (~50 ms of
 * module resolution locally) and on Lambda would need the runtime's own copy of @smithy/core.
 */
export const lazyEventStreams: Plugin = {
  name: 'lazy-event-streams',
  setup(b) {
    b.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
  },
};

/**
 * Each SDK client imports its whole package.json (2 KB of scripts, dependencies, keywords…) for one field,
 * `version`, which goes into the user agent: only that field is bundled.
 */
export const sdkVersionOnly: Plugin = {
  name: 'sdk-version-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/** The esbuild options of one function's bundle. */
export function bundleOptions(entry: string, outdir: string): BuildOptions {
  const local = (file: string) => path.join(projectRoot, file);
  return {
    absWorkingDir: projectRoot,
    entryPoints: [entry],
    outfile: path.join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    charset: 'utf8',
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    tsconfig: local('tsconfig.json'),
    // Licence notices go to index.mjs.LEGAL.txt beside the bundle instead of into it.
    legalComments: 'external',
    logLevel: 'warning',
    // Some CommonJS dependencies (mailparser's) call require(); give the ESM bundle one.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    alias: {
      // Only environment credentials exist on Lambda: drop the SDK's default credential chain.
      '@aws-sdk/credential-provider-node': local('functions/lib/adapters/lambda-credentials.ts'),
      // mailparser's charset tables (iconv-lite, encoding-japanese: 570 KB) give way to the runtime's own
      // TextDecoder (functions/lib/text-codecs.ts says why); only the email intake imports mailparser.
      'iconv-lite': local('functions/lib/text-codecs.ts'),
      'encoding-japanese': local('functions/lib/text-codecs.ts'),
      // libmime is dual (ESM for mailparser, CommonJS for mailsplit's require()): one copy, not both (78 KB).
      libmime: local('node_modules/libmime/dist/cjs/libmime.js'),
      // The SDK's DynamoDB endpoint cache, on a Map instead of mnemonist's typed arrays (functions/lib/lru-cache.ts).
      'mnemonist/lru-cache': local('functions/lib/lru-cache.ts'),
      // he is mailparser's HTML encoder; its named-reference table is 85 KB (functions/lib/html-encode.ts).
      he: local('functions/lib/html-encode.ts'),
      // linkify-it and its list of top-level domains, which mailparser sets up at module scope (a regular
      // expression over 1,500 domains, at every cold start) and the intake never calls (functions/lib/no-linkify.ts).
      'linkify-it': local('functions/lib/no-linkify.ts'),
      tlds: local('functions/lib/no-tlds.cjs'),
    },
    plugins: [literalSchemaKeys, sdkVersionOnly, lazyEventStreams, onePackageCopy({ entities: local('node_modules/htmlparser2'), nodemailer: projectRoot })],
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === BUNDLER) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) throw new Error('usage: tsx infra/function-bundle.ts <entry> <outdir>');
  await build(bundleOptions(entry, outdir));
}
