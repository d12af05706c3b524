// Driven by test_emulator_concurrency.py: one worker of firebase-tools' pool, a burst of requests.
const { EventEmitter } = require("events");
const { PassThrough } = require("stream");
const [lib, port, declared, burst] = [process.argv[2], Number(process.argv[3]), process.argv[4], Number(process.argv[5])];
const shared = require(`${lib}/functionsEmulatorShared.js`);
const { RuntimeWorkerPool } = require(`${lib}/functionsRuntimeWorker.js`);
const endpoint = { id: "twilioCallWebhook", region: "europe-west3", entryPoint: "twilioCallWebhook", platform: "gcfv2", httpsTrigger: {} };
if (declared !== "none") endpoint.concurrency = Number(declared);
const [trigger] = shared.emulatedFunctionsFromEndpoints([endpoint]);
const child = new EventEmitter();
child.kill = () => {};
const runtime = { process: child, events: new EventEmitter(), cwd: ".", conn: { httpReqOpts: () => ({ host: "127.0.0.1", port }) } };
const pool = new RuntimeWorkerPool();
pool.addWorker(trigger, runtime, {}, "python311").readyForWork();
const inFlight = [];
// What the emulator does for each request of the burst: take a worker that is ready for work,
// or (here: stop) start a new one.
while (inFlight.length < burst && pool.readyForWork(trigger.id, "python311")) {
  const response = new PassThrough();
  response.writeHead = () => {};
  response.resume();
  inFlight.push(pool.submitRequest(trigger.id, { method: "GET", path: "/", headers: {} }, response, undefined, undefined, "python311"));
}
const taken = inFlight.length;
Promise.all(inFlight).then(() => {
  console.log(JSON.stringify({ taken, readyAfterwards: pool.readyForWork(trigger.id, "python311") }));
});
