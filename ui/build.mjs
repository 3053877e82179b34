// Bundles the browser pages of ui/src/pages/*.ts (and the CSS they import) into dist/ui/assets with
// esbuild, from node_modules only: the pages are served offline, no CDN. Run by `npm run build`.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'dist', 'ui', 'assets');
const pagesDir = path.join(here, 'src', 'pages');
const entryPoints = fs.readdirSync(pagesDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(pagesDir, f));

const require = createRequire(import.meta.url);

/**
 * virtual:bpmnlint-recommended: bpmnlint's recommended config and every rule it names, so the modeler
 * lints in the browser with exactly the rules the server checks at deploy (the same installed bpmnlint).
 */
const bpmnlintRecommended = {
  name: 'bpmnlint-recommended',
  setup(build) {
    build.onResolve({ filter: /^virtual:bpmnlint-recommended$/ }, (args) => ({ path: args.path, namespace: 'bpmnlint' }));
    build.onLoad({ filter: /.*/, namespace: 'bpmnlint' }, () => {
      const names = Object.keys(require('bpmnlint/config/recommended').rules);
      const imports = names.map((n, i) => `import rule${i} from 'bpmnlint/rules/${n}';`).join('\n');
      const table = names.map((n, i) => `${JSON.stringify(n)}: rule${i}`).join(',\n  ');
      return { contents: `${imports}\nimport config from 'bpmnlint/config/recommended';\nexport { config };\nexport const rules = {\n  ${table}\n};\n`, resolveDir: here, loader: 'js' };
    });
  },
};

const started = Date.now();
await esbuild.build({
  entryPoints,
  bundle: true,
  outdir: out,
  format: 'iife',
  target: ['chrome120'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file', '.bpmnlintrc': 'json' },
  logLevel: 'warning',
  plugins: [bpmnlintRecommended],
});
const files = fs.readdirSync(out);
const kb = files.reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0) / 1024;
console.log(`ui: ${entryPoints.length} page(s) bundled into dist/ui/assets (${files.length} files, ${Math.round(kb)} KB) in ${Date.now() - started} ms`);
