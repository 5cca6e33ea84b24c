//! The value shapes of issue 9's finding on memory (outside tester 20b): values of about 40 KB
//! of JSON whose in-memory form costs many times that, and a 60 KB string for scale. Each is
//! JSON text, distinct per `i` (a put's value), parsed as values arrive (`serde_json` natively;
//! in wasm the engine's `JSON.parse`, read back node by node, builds the same shapes).

/// A value shape: its name and its JSON text for put `i`.
pub type Shape = (&'static str, fn(u32) -> String);

/// Fields or items of the many-node shapes.
pub const NODES: u32 = 2_500;

/// The shapes measured: a 60 KB string, an object of 2,500 two-element arrays, an array of
/// them, and a deep-ish object (objects of 3 fields, 7 levels, two-element arrays at the leaves).
pub const SHAPES: [Shape; 4] = [
    ("60 KB string", string),
    ("object of 2,500 pairs", object),
    ("array of 2,500 pairs", array),
    ("deep object", deep),
];

/// `"xxx…i"`, 60,000 bytes of JSON.
pub fn string(i: u32) -> String {
    format!("\"{}{i:012}\"", "x".repeat(60_000 - 14))
}

/// `{"f0":[i,"x"],"f1":[1,"x"],…}`: 2,500 fields, about 40 KB.
pub fn object(i: u32) -> String {
    let fields: Vec<String> = (0..NODES).map(|f| format!("\"f{f}\":[{},\"x\"]", if f == 0 { i } else { f })).collect();
    format!("{{{}}}", fields.join(","))
}

/// `[[i,"x"],[1,"x"],…]`: 2,500 items, about 20 KB.
pub fn array(i: u32) -> String {
    let items: Vec<String> = (0..NODES).map(|f| format!("[{},\"x\"]", if f == 0 { i } else { f })).collect();
    format!("[{}]", items.join(","))
}

/// Objects of fields `a`, `b`, `c`, 7 levels deep, `[n,"x"]` at the 2,187 leaves (about 33 KB).
pub fn deep(i: u32) -> String {
    fn level(depth: u32, n: &mut u32) -> String {
        if depth == 0 {
            *n += 1;
            return format!("[{},\"x\"]", *n);
        }
        let fields: Vec<String> = ["a", "b", "c"].iter().map(|f| format!("\"{f}\":{}", level(depth - 1, n))).collect();
        format!("{{{}}}", fields.join(","))
    }
    let mut n = i * 10_000;
    level(7, &mut n)
}
