// Driven by test_emulator_concurrency.py: a request whose worker fails to start.
const { FunctionsEmulator } = require(`${process.argv[2]}/functionsEmulator.js`);
const emulator = {
  triggers: { "europe-west3-processTwilioCallback": {} },
  getTriggerRecordByKey: () => ({ enabled: true, def: { id: "europe-west3-processTwilioCallback", entryPoint: "processTwilioCallback", httpsTrigger: {} }, backend: { codebase: "west3", runtime: "python311" } }),
  workerPools: { west3: { readyForWork: () => false } },
  startRuntime: async () => { throw new Error("Failed to load function."); },
  args: { projectId: "demo" },
  logger: { log: () => {}, logLabeled: () => {} },
};
const res = {
  headersSent: false,
  code: null,
  status(code) { this.code = code; return this; },
  send() { this.headersSent = true; console.log(String(this.code)); },
};
const req = { method: "POST", params: { region: "europe-west3", trigger_name: "processTwilioCallback" }, headers: {}, rawBody: Buffer.from("{}"), protocol: "http", hostname: "127.0.0.1", url: "/demo/europe-west3/processTwilioCallback" };
FunctionsEmulator.prototype.handleHttpsTrigger.call(emulator, req, res).then(() => { if (!res.headersSent) console.log("unanswered"); });
