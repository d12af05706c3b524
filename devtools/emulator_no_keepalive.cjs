// Preloaded into firebase-tools (NODE_OPTIONS=--require) by devtools/stack.py.
//
// The Functions emulator proxies every request to a Python worker (gunicorn) through Node's
// global HTTP agent, which keeps sockets alive since Node 19. gunicorn closes a kept-alive
// connection after 2 s idle; a request written on it at that moment fails with "Request to
// function failed: Error: socket hang up" (HTTP 500), which Twilio never retries. One
// connection per request removes the race.
const http = require("http");

http.globalAgent = new http.Agent({ keepAlive: false });
