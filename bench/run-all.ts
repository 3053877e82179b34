/** `npm run bench`: every benchmark in turn (each prints its own figures and baseline). */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const benches = ['host.js', 'liudong.js', 'timers.js', 'timer-batches.js', 'audit.js', 'bulletin.js']; // inbox.js seeds a million tasks into a kept database: run it by hand
let failed = false;
for (const b of benches) {
  console.log(`\n=== ${b} ===`);
  const r = spawnSync(process.execPath, [path.join(__dirname, b)], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
