// What the build's wasm scripts (minify-imports.mjs, order-functions.mjs) share: reading a
// module's bytes (LEB128 numbers, names, an import's descriptor) and writing LEB128 numbers.

/** A cursor over a module's bytes, from just after its 8-byte header. */
export class WasmReader {
  constructor(bytes) {
    this.bytes = bytes;
    this.at = 8;
  }
  byte() {
    return this.bytes[this.at++];
  }
  /** An unsigned LEB128 number. */
  u32() {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
  }
  /** A length-prefixed run of bytes. */
  chunk() {
    const length = this.u32();
    this.at += length;
    return this.bytes.subarray(this.at - length, this.at);
  }
  /** A length-prefixed name, as text. */
  text() {
    return this.chunk().toString();
  }
  limits() {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
  /** Reads an import's descriptor (after its module and field names); its kind (0: a function). */
  importDescriptor() {
    const kind = this.byte();
    if (kind === 0) this.u32(); // type index
    else if (kind === 1) (this.at++, this.limits()); // table: reftype, limits
    else if (kind === 2) this.limits(); // memory
    else if (kind === 3) this.at += 2; // global: valtype, mutability
    else throw new Error(`import kind ${kind} not understood`);
    return kind;
  }
}

/** `value` as an unsigned LEB128 number. */
export function leb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}
