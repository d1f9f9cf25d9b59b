//! The mapping file as written, before validation. Every field a later check may point at is
//! `Spanned`, so its error gets a line:col.

use concord_strategy::ValueType;
use concord_strategy::yaml::SpannedMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A mapping file: which column holds the customer id, and how columns become attributes and
/// holdings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MappingFile {
    /// The column holding the customer id.
    pub(crate) id: Spanned<String>,
    /// Prepended to every id, e.g. `wa-` when the file's ids are bare row numbers.
    #[serde(default)]
    pub(crate) id_prefix: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) attributes: SpannedMap<AttributeEntry>,
    #[serde(default)]
    pub(crate) holdings: Option<Spanned<HoldingsEntry>>,
    #[serde(default)]
    pub(crate) holdings_from: SpannedMap<HoldingFromEntry>,
}

/// One profile attribute, read from one column.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttributeEntry {
    pub(crate) column: Spanned<String>,
    /// Optional; when given it must agree with the profile schema (a check, not a cast).
    #[serde(default, rename = "type")]
    pub(crate) value_type: Option<Spanned<ValueType>>,
    /// Source value -> attribute value. Values are written as text and read as the
    /// attribute's type, so `1` means the number for a number attribute and "1" for a string.
    #[serde(default)]
    pub(crate) map: SpannedMap<Spanned<String>>,
    /// Multiplies numbers read from the file (not `map` or `default` values).
    #[serde(default)]
    pub(crate) scale: Option<Spanned<f64>>,
    /// Used for an empty cell and for a value `map` does not list.
    #[serde(default)]
    pub(crate) default: Option<Spanned<String>>,
    /// Whether an empty cell without a default rejects the row (the default) or leaves the
    /// attribute unset.
    #[serde(default)]
    pub(crate) required: Option<bool>,
    /// For list attributes: what separates the items in a cell. Default `;`.
    #[serde(default)]
    pub(crate) separator: Option<Spanned<String>>,
}

/// Products held, listed in one column.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HoldingsEntry {
    pub(crate) column: Spanned<String>,
    #[serde(default)]
    pub(crate) separator: Option<Spanned<String>>,
}

/// A product held when a column has a given value (yes/no columns).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HoldingFromEntry {
    pub(crate) column: Spanned<String>,
    pub(crate) equals: Spanned<String>,
}
