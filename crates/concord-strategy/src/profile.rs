//! The profile schema rules are type-checked against: declared customer attributes and context.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A declared variable's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    String,
    Number,
    Bool,
    List,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Number => "number",
            ValueType::Bool => "bool",
            ValueType::List => "list",
        }
    }
}

/// What a rule may read under `customer.` and `context.`, and with which types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProfileSchema {
    /// Customer static attributes, `customer.<name>` in rules.
    pub attributes: BTreeMap<String, ValueType>,
    /// Request context fields, `context.<name>` in rules.
    pub context: BTreeMap<String, ValueType>,
}

impl ProfileSchema {
    pub fn attribute(&self, name: &str) -> Option<ValueType> {
        self.attributes.get(name).copied()
    }

    pub fn context_field(&self, name: &str) -> Option<ValueType> {
        self.context.get(name).copied()
    }
}
