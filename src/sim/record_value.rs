//! A JSON value as a history record holds it (issue 9: records without `serde_json::Value`,
//! 72 bytes each with `preserve_order`): what most operations put in and get back (`null`, a
//! counter: an increment's input and output, a get's answer) inline in 16 bytes, anything else
//! (a `put`'s payload, a lock's input, a read's `{ version, value }`, a float) as the user's
//! JSON, shared. (Only these two kinds inline: each variant's conversions cost shipped wasm.)
//! Converting to JSON and back gives the same value, number kind included (`1` stays an
//! integer, `1.0` a float), so what `history()` and the checker read is what was recorded.

use serde_json::Value as Json;
use std::borrow::Cow;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum RecordValue {
    Null,
    /// A non-negative integer (a counter's value).
    Unsigned(u64),
    /// Any other JSON (never `null` nor a non-negative integer: those are the variants above, so
    /// equal values are equal records).
    Json(Rc<Json>),
}

impl From<Json> for RecordValue {
    fn from(value: Json) -> RecordValue {
        match (value.as_u64(), value) {
            (Some(u), _) => RecordValue::Unsigned(u),
            (None, Json::Null) => RecordValue::Null,
            (None, other) => RecordValue::Json(Rc::new(other)),
        }
    }
}

impl RecordValue {
    /// The value as JSON, borrowed when it is held as JSON.
    pub fn as_json(&self) -> Cow<'_, Json> {
        match self {
            RecordValue::Null => Cow::Owned(Json::Null),
            RecordValue::Unsigned(u) => Cow::Owned(Json::from(*u)),
            RecordValue::Json(json) => Cow::Borrowed(json),
        }
    }

    /// The value as JSON, a copy.
    pub fn to_json(&self) -> Json {
        self.as_json().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every JSON value comes back the same, in the same text (an integer stays an integer, a
    /// float a float). Negative control: `1` and `1.0` are different records, and texts.
    #[test]
    fn a_value_comes_back_as_it_went_in() {
        let values = [
            json!(null),
            json!(true),
            json!(0),
            json!(1),
            json!(-1),
            json!(1.0),
            json!(2.5),
            json!(-0.5),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(9007199254740993_u64),
            json!("text"),
            json!([1, 2.0]),
            json!({ "version": 3, "value": { "b": 1, "a": 2 } }),
        ];
        for value in values {
            let text = value.to_string();
            let held = RecordValue::from(value.clone());
            assert_eq!((held.to_json().to_string(), held.to_json()), (text.clone(), value.clone()), "{held:?}");
        }
        assert!(matches!(RecordValue::from(json!(-1)), RecordValue::Json(_)));
        assert!(matches!(RecordValue::from(json!(u64::MAX)), RecordValue::Unsigned(u64::MAX)));
        assert!(matches!(RecordValue::from(json!({})), RecordValue::Json(_)));
        assert_ne!(RecordValue::from(json!(1)), RecordValue::from(json!(1.0)));
        assert_ne!(
            RecordValue::from(json!(1)).to_json().to_string(),
            RecordValue::from(json!(1.0)).to_json().to_string()
        );
    }
}
