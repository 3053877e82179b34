const { Engine } = require('/work/wt10/node_modules/bpmn-engine');
const { EventEmitter } = require('events');
const xml = process.argv[2] === 'mi' ? `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
<bpmn:task id="t"><bpmn:multiInstanceLoopCharacteristics isSequential="${process.argv[3]==='seq'}"><bpmn:loopCardinality>\${environment.variables.n}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:task>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>
</bpmn:process></bpmn:definitions>` : `<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
<bpmn:task id="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="t"/>
</bpmn:process></bpmn:definitions>`;
(async () => {
  const listener = new EventEmitter();
  let n = 0; const t0 = Date.now(); const counts = {};
  const engine = new Engine({ name: 'x', source: xml, variables: { n: Number(process.argv[4] || 1000000) } });
  const mode = process.argv[process.argv.length-1];
  const onAny = (ev) => (api) => { counts[ev] = (counts[ev]||0)+1; if (ev==='activity.enter' || ev==='activity.start') { n++; if (n === 2000) { if (mode==='throw') throw new Error('budget'); if (mode==='stop') { engine.stop(); } } } };
  for (const ev of ['activity.enter','activity.start','activity.end','flow.take','activity.wait']) listener.on(ev, onAny(ev));
  const tick = setImmediate(() => console.log('event loop got a turn at', Date.now()-t0, 'ms'));
  try {
    const p = engine.execute({ listener });
    console.log('execute returned after', Date.now()-t0,'ms', counts);
    await p;
  } catch (e) { console.log('caught', e.message, Date.now()-t0, counts); }
  console.log('done', Date.now()-t0, 'ms', counts, engine.state);
  setTimeout(()=>{ console.log('after 100ms', counts, engine.state); process.exit(0)}, 100);
})();
