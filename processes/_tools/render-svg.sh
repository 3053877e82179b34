#!/bin/bash
# Renders every processes/<county>/*.bpmn to an SVG picture beside it with bpmn-js in headless Chromium,
# for the README. Not part of the build or the tests. Needs Debian's chromium and fonts-noto-cjk, and
# bpmn-js installed with npm in a scratch folder outside the project:
#   mkdir -p /tmp/bpmn-render && (cd /tmp/bpmn-render && npm init -y >/dev/null && npm install bpmn-js@17)
#   processes/_tools/render-svg.sh /tmp/bpmn-render
set -euo pipefail
SCRATCH="${1:?usage: render-svg.sh <folder with node_modules/bpmn-js>}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
for bpmn in "$ROOT"/processes/*/*.bpmn; do
  python3 - "$bpmn" "$SCRATCH/page.html" <<'PY'
import json, sys
xml = open(sys.argv[1], encoding='utf-8').read()
open(sys.argv[2], 'w', encoding='utf-8').write('''<html><head><meta charset="utf-8">
<script src="node_modules/bpmn-js/dist/bpmn-viewer.production.min.js"></script></head>
<body><div id="c" style="width:1600px;height:900px"></div><script>
const v = new BpmnJS({ container: '#c' });
v.importXML(''' + json.dumps(xml) + ''').then(() => v.saveSVG()).then(({ svg }) => {
  const pre = document.createElement('pre'); pre.id = 'svg'; pre.textContent = svg; document.body.appendChild(pre);
}).catch((e) => { document.body.textContent = 'ERROR ' + e.message; });
</script></body></html>''')
PY
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$SCRATCH/profile" --allow-file-access-from-files \
    --virtual-time-budget=5000 --dump-dom "file://$SCRATCH/page.html" 2>/dev/null \
  | python3 -c '
import html, re, sys
dom = sys.stdin.read()
m = re.search(r"<pre id=\"svg\">(.*?)</pre>", dom, re.S)
if not m: sys.exit("no SVG rendered: " + dom[-300:])
sys.stdout.write(html.unescape(m.group(1)) + "\n")' > "${bpmn%.bpmn}.svg"
  echo "wrote ${bpmn%.bpmn}.svg"
done
