//! A JSON value as a history record holds it (issue 9: records without `serde_json::Value`,
//! 72 bytes each with `preserve_order`): what most operations put in and get back (`null`, a
//! boolean, a number: an increment's input and output) inline in 16 bytes, anything else (a
//! `put`'s payload, a lock's input, a read's `{ version, value }`) as the user's JSON, shared.
//! Converting to JSON and back gives the same value, number kind included (`1` stays an
//! integer, `1.0` a float), so what `history()` and the checker read is what was recorded.

use serde_json::{Number, Value as Json};
use std::borrow::Cow;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum RecordValue {
    Null,
    Bool(bool),
    /// A non-negative integer.
    Unsigned(u64),
    /// A negative integer.
    Negative(i64),
    Float(f64),
    /// A string, an array or an object (never a scalar: those have variants of their own, so
    /// equal values are equal records).
    Json(Rc<Json>),
}

impl From<Json> for RecordValue {
    fn from(value: Json) -> RecordValue {
        match value {
            Json::Null => RecordValue::Null,
            Json::Bool(b) => RecordValue::Bool(b),
            Json::Number(n) => RecordValue::of_number(&n),
            other => RecordValue::Json(Rc::new(other)),
        }
    }
}

impl RecordValue {
    fn of_number(n: &Number) -> RecordValue {
        match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => RecordValue::Unsigned(u),
            (None, Some(i), _) => RecordValue::Negative(i),
            (None, None, f) => RecordValue::Float(f.expect("a JSON number is finite")),
        }
    }

    /// `value`, sharing `like`'s JSON when it is the same (a `put` answers its input: one copy
    /// of the payload, not two).
    pub fn shared_with(value: &Json, like: &RecordValue) -> RecordValue {
        match (value, like) {
            (Json::Null | Json::Bool(_) | Json::Number(_), _) => RecordValue::from(value.clone()),
            (_, RecordValue::Json(held)) if **held == *value => RecordValue::Json(Rc::clone(held)),
            _ => RecordValue::Json(Rc::new(value.clone())),
        }
    }

    /// The value as JSON, borrowed when it is held as JSON.
    pub fn as_json(&self) -> Cow<'_, Json> {
        Cow::Owned(match self {
            RecordValue::Null => Json::Null,
            RecordValue::Bool(b) => Json::Bool(*b),
            RecordValue::Unsigned(u) => Json::from(*u),
            RecordValue::Negative(i) => Json::from(*i),
            RecordValue::Float(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
            RecordValue::Json(json) => return Cow::Borrowed(json),
        })
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
            assert_eq!(RecordValue::shared_with(&value, &RecordValue::Null), held);
        }
        assert!(matches!(RecordValue::from(json!(-1)), RecordValue::Negative(-1)));
        assert!(matches!(RecordValue::from(json!({})), RecordValue::Json(_)));
        assert_ne!(RecordValue::from(json!(1)), RecordValue::from(json!(1.0)));
        assert_ne!(
            RecordValue::from(json!(1)).to_json().to_string(),
            RecordValue::from(json!(1.0)).to_json().to_string()
        );
    }
}
