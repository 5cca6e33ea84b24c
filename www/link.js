// Share links as the page writes them into its URL. The crate makes the session's binary tape
// (`Cluster.sessionLink()`: a version byte, then varints, delta-coded points and a key table, in
// URL-safe base64); here it is compressed with deflate-raw where the browser offers
// `CompressionStream`. The first character tells the two apart: a tape starts with its version
// byte ("A" for the formats 1..=3 in base64), a compressed tape with `COMPRESSED` — so every link
// made before compression still opens, and a tape stays a tape where compression is missing.

/** Marks a compressed tape: "z" is no tape's first character (it would be version 204). */
export const COMPRESSED = "z";

const FORMAT = "deflate-raw";

/** The link for the tape `tape` (`Cluster.sessionLink()`): compressed when the browser can and it
 * is shorter. */
export async function packLink(tape) {
  if (typeof CompressionStream !== "function") return tape;
  const packed = COMPRESSED + toBase64url(await pipe(fromBase64url(tape), new CompressionStream(FORMAT), Infinity));
  return packed.length < tape.length ? packed : tape;
}

/** The tape a link holds (what `Cluster.fromSession` reads), at most `maxChars` characters
 * (`Cluster.limits.linkChars`). A damaged or oversized compressed link is an `InvalidArgument`
 * that says so. */
export async function unpackLink(link, maxChars) {
  if (!link.startsWith(COMPRESSED)) return link;
  if (typeof DecompressionStream !== "function") {
    throw invalid("this browser cannot open compressed links (it has no DecompressionStream)");
  }
  const maxBytes = Math.floor((maxChars * 3) / 4);
  let bytes;
  try {
    bytes = await pipe(fromBase64url(link.slice(COMPRESSED.length)), new DecompressionStream(FORMAT), maxBytes);
  } catch (e) {
    if (e.name === "InvalidArgument") throw e;
    throw invalid("the link is malformed: its compressed data is damaged");
  }
  return toBase64url(bytes);
}

/** `bytes` through a (de)compression stream, refusing more than `maxBytes` out. */
async function pipe(bytes, stream, maxBytes) {
  const writer = stream.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  const chunks = [];
  let total = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      reader.cancel().catch(() => {});
      throw invalid(`the link is too long (it opens to more than ${maxBytes} bytes)`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function invalid(message) {
  return Object.assign(new Error(message), { name: "InvalidArgument" });
}

const CHUNK = 0x8000;

function toBase64url(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += CHUNK) text += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw invalid("the link is malformed: it has characters outside URL-safe base64");
  let binary;
  try {
    binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw invalid("the link is truncated");
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
