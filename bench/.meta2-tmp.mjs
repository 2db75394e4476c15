import * as esbuild from 'esbuild';
const dir = process.argv[2], pat = process.argv[3];
const r = await esbuild.build({ entryPoints: [`functions/${dir}/handler.ts`], bundle: true, platform: 'node', format: 'esm', target: 'node22', minify: true, write: false, metafile: true, outfile: '/tmp/out.mjs', mainFields: ['module','main'], external: ['@smithy/core/event-streams'], alias: { '@aws-sdk/credential-provider-node': './functions/lib/adapters/lambda-credentials.ts' }, legalComments: 'external', tsconfig: 'tsconfig.json', logLevel: 'error' });
const out = Object.values(r.metafile.outputs).find(o => o.entryPoint);
const groups = {};
for (const [f, v] of Object.entries(out.inputs)) { if (!f.includes(pat)) continue;
  const k = process.argv[4] ? f : f.replace(/\/dist-[a-z]+\/.*/, "").replace(/\/(lib|dist)\/.*/, "");
  groups[k] = (groups[k] ?? 0) + v.bytesInOutput; }
for (const [k, v] of Object.entries(groups).sort((a,b)=>b[1]-a[1]).slice(0, 30)) console.log((v/1024).toFixed(1).padStart(7), k);
