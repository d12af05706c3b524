// Driven by test_emulator_concurrency.py: a worker whose socket opens only after some seconds.
const http = require("http");
const { EventEmitter } = require("events");
const [lib, port, delaySeconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const shared = require(`${lib}/functionsEmulatorShared.js`);
const { RuntimeWorkerPool } = require(`${lib}/functionsRuntimeWorker.js`);
const endpoint = { id: "processTwilioCallback", region: "europe-west3", entryPoint: "processTwilioCallback", platform: "gcfv2", httpsTrigger: {} };
const [trigger] = shared.emulatedFunctionsFromEndpoints([endpoint]);
const child = new EventEmitter();
child.kill = () => {};
const runtime = { process: child, events: new EventEmitter(), cwd: ".", conn: { httpReqOpts: () => ({ host: "127.0.0.1", port }) } };
const worker = new RuntimeWorkerPool().addWorker(trigger, runtime, {}, "python311");
const logged = [];
worker.logger = { log: (level, text) => logged.push(`${level} ${text}`), logLabeled: () => {}, handleRuntimeLog: () => {} };
const server = http.createServer((req, res) => res.end("ok"));
setTimeout(() => server.listen(port, "127.0.0.1"), delaySeconds * 1000);
worker.waitForSocketReady().then(
  () => finish(true),
  () => finish(false),
);
function finish(ready) {
  console.log(JSON.stringify({ ready, logged }));
  process.exit(0);
}
