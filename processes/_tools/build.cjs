#!/usr/bin/env node
'use strict';
/**
 * Writes the jurisdictions' diagrams (processes/<county>/*.bpmn) and task forms
 * (processes/<county>/forms/*.json) from the descriptions in processes/_tools/<county>.cjs.
 *
 *   node processes/_tools/build.cjs           write the files
 *   node processes/_tools/build.cjs --check   exit 1 if a file on disk differs from what would be written
 *
 * tenant.yaml and the notification texts (templates/) are written by hand.
 */
const fs = require('node:fs');
const path = require('node:path');

const COUNTIES = ['liudong', 'rongan', 'xinhua', 'xishuangbanna', 'siping'].filter((c) => fs.existsSync(path.join(__dirname, `${c}.cjs`)));
const PROCESSES = path.resolve(__dirname, '..');

/** Every file the build writes: absolute path → content. */
function generate() {
  const out = new Map();
  for (const county of COUNTIES) {
    const spec = require(path.join(__dirname, `${county}.cjs`));
    for (const { file, diagram } of spec.diagrams) out.set(path.join(PROCESSES, county, file), diagram.toXML());
    for (const [key, schema] of Object.entries(spec.forms)) {
      out.set(path.join(PROCESSES, county, 'forms', `${key}.json`), JSON.stringify(schema, null, 2) + '\n');
    }
  }
  return out;
}

/** Files that differ from what the build writes (and generated files nothing writes any more). */
function stale() {
  const files = generate();
  const problems = [];
  for (const [file, content] of files) {
    if (!fs.existsSync(file)) problems.push(`missing ${path.relative(PROCESSES, file)}`);
    else if (fs.readFileSync(file, 'utf8') !== content) problems.push(`differs ${path.relative(PROCESSES, file)}`);
  }
  for (const county of COUNTIES) {
    const dir = path.join(PROCESSES, county);
    const onDisk = [
      ...(fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bpmn')).map((f) => path.join(dir, f)) : []),
      ...(fs.existsSync(path.join(dir, 'forms')) ? fs.readdirSync(path.join(dir, 'forms')).map((f) => path.join(dir, 'forms', f)) : []),
    ];
    for (const f of onDisk) if (!files.has(f)) problems.push(`not generated ${path.relative(PROCESSES, f)}`);
  }
  return problems;
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const problems = stale();
    if (problems.length) {
      console.error(`processes/ is out of date with processes/_tools (run node processes/_tools/build.cjs):\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log('processes/ is up to date');
  } else {
    for (const [file, content] of generate()) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      console.log(`wrote ${path.relative(path.resolve(PROCESSES, '..'), file)}`);
    }
  }
}

module.exports = { generate, stale, COUNTIES };
