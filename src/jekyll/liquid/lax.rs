//! Jekyll's Liquid prints nothing for a variable nobody set (`{{ page.unset }}`,
//! `{{ site.author.name }}` when the author is a plain name): the `liquid` crate calls that an
//! error ("Unknown index"). [`Lax`] is the `site` and `page` variables as a value that answers
//! nil for a missing key, so a template reads them as Jekyll's does; every other value
//! (assigned, captured, a filter's result) is the crate's own.
//!
//! A key asked of a text is still the crate's error, but for one value, [`Lax::Name`]:
//! `site.author` given as a plain name, which posts and includes written for Jekyll's
//! `{name: …, email: …}` form read as `site.author.name` (often `| default: site.author`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use liquid_core::model::{
    ArrayView, DisplayCow, KStringCow, ObjectView, ScalarCow, State, Value, ValueView,
};
use serde_json::Value as Json;

#[derive(Debug, Clone)]
pub enum Lax {
    /// A scalar or nil.
    Scalar(Value),
    Array(Vec<Lax>),
    Object(BTreeMap<String, Lax>),
    /// A text that is also a record with nothing set: every key is nil (but `size`, the
    /// text's length). Only for `site.author` as a name; a text anywhere else keeps the
    /// crate's reading, so two texts are never compared as records.
    Name(Value),
    /// A large value (`site`) shared by every file's globals instead of copied.
    Shared(Arc<Lax>),
}

static NIL: Lax = Lax::Scalar(Value::Nil);

impl Lax {
    pub fn from_json(json: &Json) -> Lax {
        match json {
            Json::Null => Lax::Scalar(Value::Nil),
            Json::Bool(b) => Lax::Scalar(Value::scalar(*b)),
            Json::Number(n) => Lax::Scalar(match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Value::scalar(i),
                (None, Some(f)) => Value::scalar(f),
                (None, None) => Value::scalar(n.to_string()),
            }),
            Json::String(s) => Lax::Scalar(Value::scalar(s.clone())),
            Json::Array(a) => Lax::Array(a.iter().map(Lax::from_json).collect()),
            Json::Object(m) => Lax::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), Lax::from_json(v)))
                    .collect(),
            ),
        }
    }

    fn inner(&self) -> &Lax {
        match self {
            Lax::Shared(v) => v.inner(),
            v => v,
        }
    }
}

impl ValueView for Lax {
    fn as_debug(&self) -> &dyn fmt::Debug {
        self
    }
    fn render(&self) -> DisplayCow<'_> {
        match self.inner() {
            Lax::Scalar(v) | Lax::Name(v) => v.render(),
            v => DisplayCow::Owned(Box::new(v.to_value().render().to_string())),
        }
    }
    fn source(&self) -> DisplayCow<'_> {
        match self.inner() {
            Lax::Scalar(v) | Lax::Name(v) => v.source(),
            v => DisplayCow::Owned(Box::new(v.to_value().source().to_string())),
        }
    }
    fn type_name(&self) -> &'static str {
        match self.inner() {
            Lax::Scalar(v) | Lax::Name(v) => v.type_name(),
            Lax::Array(_) => "array",
            _ => "object",
        }
    }
    fn query_state(&self, state: State) -> bool {
        match self.inner() {
            Lax::Scalar(v) | Lax::Name(v) => v.query_state(state),
            v => v.to_value().query_state(state),
        }
    }
    fn to_kstr(&self) -> KStringCow<'_> {
        match self.inner() {
            Lax::Scalar(v) | Lax::Name(v) => v.to_kstr(),
            v => KStringCow::from_string(v.render().to_string()),
        }
    }
    fn to_value(&self) -> Value {
        match self.inner() {
            Lax::Scalar(v) | Lax::Name(v) => v.clone(),
            Lax::Array(a) => Value::Array(a.iter().map(Lax::to_value).collect()),
            Lax::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone().into(), v.to_value()))
                    .collect(),
            ),
            Lax::Shared(_) => unreachable!("inner() follows shared values"),
        }
    }
    fn as_scalar(&self) -> Option<ScalarCow<'_>> {
        match self.inner() {
            Lax::Scalar(v) | Lax::Name(v) => v.as_scalar(),
            _ => None,
        }
    }
    fn as_array(&self) -> Option<&dyn ArrayView> {
        match self.inner() {
            v @ Lax::Array(_) => Some(v),
            _ => None,
        }
    }
    fn as_object(&self) -> Option<&dyn ObjectView> {
        match self.inner() {
            v @ (Lax::Object(_) | Lax::Name(_)) => Some(v),
            _ => None,
        }
    }
    fn is_nil(&self) -> bool {
        matches!(self.inner(), Lax::Scalar(Value::Nil))
    }
}

impl ArrayView for Lax {
    fn as_value(&self) -> &dyn ValueView {
        self
    }
    fn size(&self) -> i64 {
        match self.inner() {
            Lax::Array(a) => a.len() as i64,
            _ => 0,
        }
    }
    fn values<'k>(&'k self) -> Box<dyn Iterator<Item = &'k dyn ValueView> + 'k> {
        match self.inner() {
            Lax::Array(a) => Box::new(a.iter().map(|v| v as &dyn ValueView)),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn contains_key(&self, index: i64) -> bool {
        ArrayView::get(self, index).is_some()
    }
    fn get(&self, index: i64) -> Option<&dyn ValueView> {
        let Lax::Array(a) = self.inner() else {
            return None;
        };
        let i = if index < 0 {
            a.len().checked_sub(index.unsigned_abs() as usize)?
        } else {
            index as usize
        };
        a.as_slice().get(i).map(|v| v as &dyn ValueView)
    }
}

impl ObjectView for Lax {
    fn as_value(&self) -> &dyn ValueView {
        self
    }
    fn size(&self) -> i64 {
        match self.inner() {
            Lax::Object(m) => m.len() as i64,
            Lax::Name(v) => v.to_kstr().len() as i64,
            _ => 0,
        }
    }
    fn keys<'k>(&'k self) -> Box<dyn Iterator<Item = KStringCow<'k>> + 'k> {
        match self.inner() {
            Lax::Object(m) => Box::new(m.keys().map(|k| KStringCow::from_ref(k))),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn values<'k>(&'k self) -> Box<dyn Iterator<Item = &'k dyn ValueView> + 'k> {
        match self.inner() {
            Lax::Object(m) => Box::new(m.values().map(|v| v as &dyn ValueView)),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn iter<'k>(&'k self) -> Box<dyn Iterator<Item = (KStringCow<'k>, &'k dyn ValueView)> + 'k> {
        match self.inner() {
            Lax::Object(m) => Box::new(
                m.iter()
                    .map(|(k, v)| (KStringCow::from_ref(k), v as &dyn ValueView)),
            ),
            _ => Box::new(std::iter::empty()),
        }
    }
    /// Every name is there: one nobody set is nil, as in Jekyll.
    fn contains_key(&self, _index: &str) -> bool {
        true
    }
    fn get<'s>(&'s self, index: &str) -> Option<&'s dyn ValueView> {
        let found = match self.inner() {
            Lax::Object(m) => m.get(index),
            Lax::Name(_) => None,
            _ => return None,
        };
        match found {
            Some(v) => Some(v),
            // Left to Liquid, which counts the keys.
            None if index == "size" => None,
            None => Some(&NIL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_key_is_nil_and_present_ones_keep_their_values() {
        let v = Lax::from_json(&json!({"a": {"b": [1, "x"]}, "t": true}));
        let o = v.as_object().unwrap();
        assert!(o.get("nope").unwrap().is_nil());
        let b = o.get("a").unwrap().as_object().unwrap().get("b").unwrap();
        assert_eq!(b.as_array().unwrap().size(), 2);
        assert_eq!(b.as_array().unwrap().get(-1).unwrap().to_kstr(), "x");
        assert!(o.get("size").is_none());
        assert_eq!(v.to_value().as_object().unwrap().size(), 2);
        let shared = Lax::Shared(Arc::new(v));
        assert!(
            shared
                .as_object()
                .unwrap()
                .get("t")
                .unwrap()
                .query_state(State::Truthy)
        );
    }
}
