// Preloaded into firebase-tools (NODE_OPTIONS=--require) by devtools/stack.py.
//
// Cloud Run gives one instance of a function up to its declared `concurrency` requests at once
// (the Twilio webhooks declare 40). The Functions emulator ignores `concurrency`: it sends one
// request at a time to a Python worker and starts a new worker (a whole interpreter importing
// the codebase) for every request that finds all of them busy. When Twilio's burst at a hang-up
// hits a cold function, several workers start at once on a 2-CPU machine, requests wait in the
// emulator for the starts, Twilio's 15 s deadline passes, and the callback is lost (Twilio never
// retries). A worker that fails to start within 30 s even leaves its request unanswered.
//
// This patch makes the emulator do what production does: a worker (functions-framework's
// threaded gunicorn) takes up to the function's `concurrency` requests at once; a new worker is
// started only when every worker is at that limit. Functions that declare `concurrency=1` (every
// payment function) keep one request per worker. Left as the emulator has it: a reload after a
// source change stops a worker when its first request ends, even if others are still in flight.
const Module = require("module");

const patched = new WeakSet();
// Set by devtools/stack.py; unset, no start is logged as slow.
const SLOW_START_SECONDS = Number(process.env.SLOW_WORKER_START_SECONDS);
const originalLoad = Module._load;

function patchShared(shared) {
  const emulated = shared.emulatedFunctionsFromEndpoints;
  shared.emulatedFunctionsFromEndpoints = function (endpoints) {
    const defs = emulated.apply(this, arguments);
    const declared = new Map(endpoints.map((e) => [`${e.region}-${e.id}`, e.concurrency]));
    for (const def of defs) {
      def.concurrency = declared.get(def.id) || 1;
    }
    return defs;
  };
}

function patchWorkers(workers) {
  const { RuntimeWorker, RuntimeWorkerPool, RuntimeWorkerState } = workers;

  const request = RuntimeWorker.prototype.request;
  RuntimeWorker.prototype.request = function () {
    this.inFlight = (this.inFlight || 0) + 1;
    const done = request.apply(this, arguments);
    const settle = () => {
      this.inFlight -= 1;
      // The original returns a BUSY worker to IDLE after each request; with several in flight
      // it stays BUSY (still able to take more, below) until the last one ends.
      if (this.inFlight > 0 && this.state === RuntimeWorkerState.IDLE) {
        this.state = RuntimeWorkerState.BUSY;
      }
    };
    return done.then(settle, (err) => {
      settle();
      throw err;
    });
  };

  const addWorker = RuntimeWorkerPool.prototype.addWorker;
  RuntimeWorkerPool.prototype.addWorker = function (trigger) {
    const worker = addWorker.apply(this, arguments);
    worker.concurrency = (trigger && trigger.concurrency) || 1;
    return worker;
  };

  // How long a worker took to start, in the emulator's log when it is slow: a start that takes
  // longer than Twilio's 15 s deadline loses a callback, whatever the function then does.
  const waitForSocketReady = RuntimeWorker.prototype.waitForSocketReady;
  RuntimeWorker.prototype.waitForSocketReady = async function () {
    const started = Date.now();
    try {
      return await waitForSocketReady.apply(this, arguments);
    } finally {
      const seconds = (Date.now() - started) / 1000;
      if (seconds >= SLOW_START_SECONDS) {
        this.logger.log("WARN", `worker of "${this.triggerKey}" took ${seconds.toFixed(1)} s to start`);
      }
    }
  };

  const getIdleWorker = RuntimeWorkerPool.prototype.getIdleWorker;
  RuntimeWorkerPool.prototype.getIdleWorker = function (triggerId, runtime) {
    const idle = getIdleWorker.apply(this, arguments);
    if (idle) {
      return idle;
    }
    return this.getTriggerWorkers(triggerId, runtime).find(
      (w) => w.state === RuntimeWorkerState.BUSY && (w.inFlight || 0) < (w.concurrency || 1),
    );
  };
}

// A worker that does not start in time (FUNCTIONS_DISCOVERY_TIMEOUT, which devtools/stack.py
// raises from 30 s) makes the emulator log an error and return without answering, so the request
// hangs (a Cloud Task is then not retried until its deadline). Cloud Run answers 503 when no
// instance can start, and Cloud Tasks retries.
function patchEmulator(emulator) {
  const handle = emulator.FunctionsEmulator.prototype.handleHttpsTrigger;
  emulator.FunctionsEmulator.prototype.handleHttpsTrigger = async function (req, res) {
    try {
      await handle.apply(this, arguments);
    } finally {
      if (!res.headersSent) {
        const name = [req.params.region, req.params.trigger_name].filter(Boolean).join("-");
        this.logger.log("WARN", `worker of "${name}" did not start: answered 503`);
        res.status(503).send("The function's worker did not start.");
      }
    }
  };
}

Module._load = function (request) {
  const loaded = originalLoad.apply(this, arguments);
  if (typeof request !== "string" || !loaded || patched.has(loaded)) {
    return loaded;
  }
  if (/functionsEmulatorShared(\.js)?$/.test(request) && typeof loaded.emulatedFunctionsFromEndpoints === "function") {
    patchShared(loaded);
    patched.add(loaded);
  } else if (/functionsRuntimeWorker(\.js)?$/.test(request) && typeof loaded.RuntimeWorkerPool === "function") {
    patchWorkers(loaded);
    patched.add(loaded);
  } else if (/functionsEmulator(\.js)?$/.test(request) && typeof loaded.FunctionsEmulator === "function") {
    patchEmulator(loaded);
    patched.add(loaded);
  }
  return loaded;
};
