// A static server for the built site (dist/) and the packed-element fixture: one folder under a
// path prefix, as GitHub Pages serves a project site (`/<repo>/`), answering a missing path with
// the folder's 404.html (status 404) when it has one, and logging every request.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };

/** Serves `root` under `prefix` ("/caspaxos/"). Returns { url, requests, close }: `requests` holds
 * { path, status } for every request, in order. */
export async function serveFolder(root, prefix) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let status = 200;
    let body;
    let file = null;
    if (url.startsWith(prefix)) {
      file = path.join(root, path.normalize(url.slice(prefix.length)));
      if (!file.startsWith(root)) file = null;
      else if (url.endsWith("/")) file = path.join(file, "index.html");
    }
    try {
      if (!file || !(await stat(file)).isFile()) throw new Error("not a file");
      body = await readFile(file);
    } catch {
      status = 404;
      file = path.join(root, "404.html");
      body = await readFile(file).catch(() => Buffer.from("not found"));
    }
    requests.push({ path: url, status });
    res.writeHead(status, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}${prefix}`, requests, close: () => new Promise((r) => server.close(r)) };
}
