// The wasm test page's way to wasm-bindgen-test-runner's server (build.sh's runner section points
// headless Chromium at this proxy): each request the page makes goes to the runner's server on a
// connection of its own, closed after its response.
//
// Why: the runner serves the page with tiny_http 0.12, which runs each connection on a thread of
// its pool until the connection closes, and hands new connections to idle threads by a count that
// lags under load (task_pool.rs: a second connection arriving before a notified thread has woken
// is queued as if a thread were free). Chromium opens up to six keep-alive connections at once to
// fetch the page's module scripts; a connection left queued is never read while the others stay
// open, so the page never finishes loading and no test starts (seen: the page at readyState
// "interactive", two of the runner's sockets holding unread requests). A connection that closes
// after one request frees its thread, which then takes any queued one.
//
// Prints the port it listens on (127.0.0.1), then serves until killed.
import http from "node:http";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
const endToEnd = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase())));

const server = http.createServer((req, res) => {
  let url;
  try {
    url = new URL(req.url); // a request to a proxy names the whole URL
  } catch {
    res.writeHead(400).end("a proxy request names the whole URL");
    return;
  }
  const upstream = http.request(
    { host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers: { ...endToEnd(req.headers), connection: "close" }, agent: false },
    (answer) => {
      res.writeHead(answer.statusCode, answer.statusMessage, endToEnd(answer.headers));
      answer.pipe(res);
    },
  );
  upstream.on("error", (e) => {
    if (!res.headersSent) res.writeHead(502);
    res.end(`the runner's server: ${e.message}`);
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 600_000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
