//! JSON objects built field by field, without serde's generic serializer.
//!
//! `serde_json::json!` turns every field into `to_value(&field).unwrap()`; that `unwrap` keeps
//! serde_json's error `Debug` (and with it Rust's string escaper, Unicode tables and the I/O
//! error texts) in the shipped wasm. [`object!`] converts each field with `Value::from`, which
//! cannot fail. Fields keep the order written (serde_json's `preserve_order`), so every JSON
//! text, golden hash and link is what `json!` made.

/// `object! { "name": value, ... }`: a JSON object of `Value::from(value)` fields, in order. A
/// nested object is another `object!`; a `Value` held by reference is passed as `.clone()`.
macro_rules! object {
    ($($name:literal: $value:expr),* $(,)?) => {{
        let mut map = ::serde_json::Map::new();
        $($crate::json_object::push_field(&mut map, $name, ::serde_json::Value::from($value));)*
        ::serde_json::Value::Object(map)
    }};
}
pub(crate) use object;

/// Adds the field `name` to `map` (replacing one of that name): [`object!`]'s one body for every
/// field, not inlined, so each field written is a call and not a copy of the key's allocation, the
/// map's insert and the replaced value's drop (README, "wasm size").
#[inline(never)]
pub fn push_field(map: &mut serde_json::Map<String, serde_json::Value>, name: &'static str, value: serde_json::Value) {
    map.insert(name.into(), value);
}

/// Sets the field `name` of `object` (made by [`object!`]): replaced in place if it is there,
/// added at the end if not. Not `object[name] = value`: `Value`'s `IndexMut` panics on a
/// non-object and brings serde_json's panic formatting into the wasm.
pub fn set_field(object: &mut serde_json::Value, name: &str, value: serde_json::Value) {
    let fields = object.as_object_mut();
    debug_assert!(fields.is_some(), "set_field({name:?}) on a value that is not an object");
    if let Some(fields) = fields {
        fields.insert(name.into(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::set_field;

    #[test]
    fn fields_keep_the_order_written_and_a_repeated_name_keeps_its_place() {
        let o = object! { "b": 1u64, "a": "x", "nested": object! { "z": true, "y": serde_json::Value::Null } };
        assert_eq!(o.to_string(), r#"{"b":1,"a":"x","nested":{"z":true,"y":null}}"#);
        // A repeated name replaces the value where the first one stood (IndexMap's insert).
        let repeated = object! { "a": 1u64, "b": 2u64, "a": 3u64 };
        assert_eq!(repeated.to_string(), r#"{"a":3,"b":2}"#);
        // Negative control: the text compared above does see the order.
        assert_ne!(object! { "a": 1u64, "b": 2u64 }.to_string(), object! { "b": 2u64, "a": 1u64 }.to_string());
    }

    #[test]
    fn set_field_replaces_in_place_or_appends() {
        let mut o = object! { "a": 1u64, "b": 2u64 };
        set_field(&mut o, "a", 9u64.into());
        set_field(&mut o, "c", "new".into());
        assert_eq!(o.to_string(), r#"{"a":9,"b":2,"c":"new"}"#);
    }
}
