//! The JSON Schema of every file kind in a strategy folder, for editors and `concord schema`.

use crate::raw::{
    ActionsFile, ChannelsFile, ContactFile, ExperimentsFile, ModelsFile, ProfileFile, ReportsFile,
    StrategyFile, TriggersFile,
};
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

/// One JSON Schema document: an object whose properties are the folder's file kinds
/// (`strategy.yaml`, `channels.yaml`, `profile.yaml`, `actions/*.yaml` and the optional
/// `triggers.yaml`, `contact.yaml`, `models.yaml`, `experiments.yaml` and `reports.yaml`),
/// each a schema.
/// Shared definitions live under the document's `$defs`.
pub fn json_schema() -> Value {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let files = [
        ("strategy.yaml", generator.subschema_for::<StrategyFile>()),
        ("channels.yaml", generator.subschema_for::<ChannelsFile>()),
        ("profile.yaml", generator.subschema_for::<ProfileFile>()),
        ("actions/*.yaml", generator.subschema_for::<ActionsFile>()),
        ("triggers.yaml", generator.subschema_for::<TriggersFile>()),
        ("contact.yaml", generator.subschema_for::<ContactFile>()),
        ("models.yaml", generator.subschema_for::<ModelsFile>()),
        (
            "experiments.yaml",
            generator.subschema_for::<ExperimentsFile>(),
        ),
        ("reports.yaml", generator.subschema_for::<ReportsFile>()),
    ];
    let properties: serde_json::Map<String, Value> = files
        .into_iter()
        .map(|(name, schema)| (name.to_owned(), schema.to_value()))
        .collect();
    let definitions = generator.take_definitions(true);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Concord strategy folder",
        "description": "Each property is the schema of one file kind in a strategy folder. Eligibility rules are strings in Concord's rule language (CEL-like).",
        "type": "object",
        "properties": properties,
        "$defs": definitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each file kind's schema names the fields a file of that kind may have.
    fn check(file: &str, expected_fields: &[&str]) {
        let schema = json_schema();
        let text = schema["properties"][file].to_string();
        let defs = schema["$defs"].to_string();
        for field in expected_fields {
            assert!(
                text.contains(&format!("\"{field}\"")) || defs.contains(&format!("\"{field}\"")),
                "{file}: no {field} in {text}"
            );
        }
    }

    #[test]
    fn schema_describes_every_file_kind() {
        check(
            "strategy.yaml",
            &["name", "version", "arbitration", "default_limit"],
        );
        check(
            "channels.yaml",
            &["channels", "max_actions", "direction", "inbound"],
        );
        check("profile.yaml", &["attributes", "context", "number"]);
        check(
            "actions/*.yaml",
            &["issues", "actions", "eligibility", "treatments", "sales"],
        );
        check(
            "experiments.yaml",
            &[
                "control_arms",
                "salt",
                "holdout",
                "random_action",
                "propensity_only",
                "no_levers",
                "eligibility_only",
                "random_propensity",
                "outcomes",
                "rule",
            ],
        );
    }

    #[test]
    fn treatments_name_their_languages() {
        check("strategy.yaml", &["language", "attribute", "default"]);
        check(
            "actions/*.yaml",
            &["text", "texts", "fallback", "fallbacks"],
        );
        let schema = json_schema();
        let defs = &schema["$defs"];
        let treatment = &defs["TreatmentEntry"];
        assert_eq!(treatment["required"], json!(["text"]), "{treatment}");
        for versions in ["texts", "fallbacks"] {
            let names = &treatment["properties"][versions]["propertyNames"];
            assert_eq!(names["pattern"], "^[a-z]{2,3}$", "{treatment}");
        }
        let language = &defs["LanguageEntry"];
        assert_eq!(language["required"], json!(["attribute", "default"]));
        assert_eq!(language["properties"]["default"]["pattern"], "^[a-z]{2,3}$");
    }

    #[test]
    fn outcomes_are_named_in_snake_case_and_at_most_twenty() {
        let schema = json_schema();
        let defs = &schema["$defs"];
        let outcomes = &defs["ExperimentsFile"]["properties"]["outcomes"];
        assert_eq!(outcomes["maxItems"], 20, "{outcomes}");
        assert_eq!(outcomes["items"]["$ref"], "#/$defs/ArmOutcomeEntry");
        let entry = &defs["ArmOutcomeEntry"];
        assert_eq!(entry["properties"]["name"]["pattern"], "^[a-z][a-z0-9_]*$");
        assert_eq!(entry["required"], json!(["name", "rule"]));
        assert_eq!(entry["additionalProperties"], false, "{entry}");
    }

    #[test]
    fn reports_are_bounded_and_measured_like_outcomes() {
        check(
            "reports.yaml",
            &[
                "reports",
                "name",
                "description",
                "where",
                "by",
                "measures",
                "flag",
                "min_customers",
            ],
        );
        let schema = json_schema();
        let defs = &schema["$defs"];
        let reports = &defs["ReportsFile"]["properties"]["reports"];
        assert_eq!(reports["maxItems"], 50, "{reports}");
        let entry = &defs["ReportEntry"];
        assert_eq!(
            entry["required"],
            json!(["name", "by", "measures"]),
            "{entry}"
        );
        assert_eq!(entry["additionalProperties"], false, "{entry}");
        let by = &entry["properties"]["by"];
        assert_eq!(
            (&by["minItems"], &by["maxItems"]),
            (&json!(1), &json!(4)),
            "{by}"
        );
        let measures = &entry["properties"]["measures"];
        assert_eq!(
            (&measures["minItems"], &measures["maxItems"]),
            (&json!(1), &json!(20)),
            "{measures}"
        );
        let min_customers = &entry["properties"]["min_customers"];
        assert_eq!(
            (&min_customers["minimum"], &min_customers["default"]),
            (&json!(1), &json!(30)),
            "{min_customers}"
        );
        let measure = &defs["MeasureEntry"];
        assert_eq!(
            measure["properties"]["name"]["pattern"],
            "^[a-z][a-z0-9_]*$"
        );
        assert_eq!(measure["required"], json!(["name", "rule"]));
    }

    #[test]
    fn a_share_is_at_most_a_tenth() {
        let schema = json_schema();
        let defs = &schema["$defs"];
        let holdout = defs
            .as_object()
            .and_then(|defs| defs.values().find_map(|d| d["properties"].get("holdout")))
            .unwrap_or_else(|| panic!("no holdout in {defs}"));
        assert_eq!(holdout["maximum"], 0.1, "{holdout}");
        assert_eq!(holdout["minimum"], 0, "{holdout}");
    }

    #[test]
    fn every_reference_resolves_inside_the_document() {
        let schema = json_schema();
        let text = schema.to_string();
        for piece in text.split("\"$ref\":\"#/$defs/").skip(1) {
            let name = piece.split('"').next().unwrap_or_default();
            assert!(schema["$defs"].get(name).is_some(), "dangling $ref {name}");
        }
    }
}
