// A worker built on the real camunda-external-task-client-js (an ES module, hence a process of its own):
// subscribes to one topic with long polling, handles one task as told, prints what it did as one JSON
// line, and exits. Arguments: <baseUrl> <user> <token> <topic> <complete|failure|bpmnError>.
import { BasicAuthInterceptor, Client, Variables } from 'camunda-external-task-client-js';

const [baseUrl, user, token, topic, mode] = process.argv.slice(2);
const client = new Client({
  baseUrl,
  workerId: 'worker-1',
  interceptors: new BasicAuthInterceptor({ username: user, password: token }),
  asyncResponseTimeout: 10000,
  interval: 50,
  maxTasks: 1,
  lockDuration: 60000,
  autoPoll: false,
});
const done = (line) => {
  console.log(JSON.stringify(line));
  client.stop();
  setTimeout(() => process.exit(0), 50);
};
client.on('poll:error', (e) => done({ error: String(e?.message ?? e) }));
client.on('complete:error', (_task, e) => done({ error: String(e?.message ?? e) }));
client.on('handleFailure:error', (_task, e) => done({ error: String(e?.message ?? e) }));
client.on('handleBpmnError:error', (_task, e) => done({ error: String(e?.message ?? e) }));
client.subscribe(topic, async ({ task, taskService }) => {
  const seen = { caseNo: task.variables.get('caseNo'), businessKey: task.businessKey, tenantId: task.tenantId, lockExpirationTime: task.lockExpirationTime };
  if (mode === 'complete') {
    const vars = new Variables().set('found', true).set('score', 3.5).set('registry', { unit: 'unit-a', items: [1, 2] }).setTyped('checkedBy', { type: 'String', value: '核查机器人' });
    await taskService.complete(task, vars);
    done({ did: 'complete', id: task.id, seen });
  } else if (mode === 'failure') {
    await taskService.handleFailure(task, { errorMessage: 'registry unreachable', errorDetails: 'ECONNREFUSED 127.0.0.1:9', retries: 0, retryTimeout: 0 });
    done({ did: 'failure', id: task.id, seen });
  } else {
    await taskService.handleBpmnError(task, 'NOT_FOUND', 'no such case in the registry', new Variables().set('lookupError', 'not found'));
    done({ did: 'bpmnError', id: task.id, seen });
  }
});
client.start();
setTimeout(() => done({ error: 'no task within 20 s' }), 20000).unref();
