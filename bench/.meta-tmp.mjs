import * as esbuild from 'esbuild';
const dir = process.argv[2];
const r = await esbuild.build({ entryPoints: [`functions/${dir}/handler.ts`], bundle: true, platform: 'node', format: 'esm', target: 'node22', minify: true, write: false, metafile: true, outfile: '/tmp/out.mjs', mainFields: ['module','main'], external: ['@smithy/core/event-streams', '@aws-sdk/client-*'.replace('*','__none')], alias: { '@aws-sdk/credential-provider-node': './functions/lib/adapters/lambda-credentials.ts' }, legalComments: 'external', tsconfig: 'tsconfig.json', logLevel: 'error' });
const out = Object.values(r.metafile.outputs).find(o => o.entryPoint);
const groups = {};
for (const [f, v] of Object.entries(out.inputs)) {
  const m = f.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
  const k = m ? m[1] : f.split('/').slice(0,2).join('/');
  groups[k] = (groups[k] ?? 0) + v.bytesInOutput;
}
console.log('total', (out.bytes/1024).toFixed(0));
for (const [k, v] of Object.entries(groups).sort((a,b)=>b[1]-a[1]).slice(0, +process.argv[3] || 18)) console.log((v/1024).toFixed(1).padStart(7), k);
