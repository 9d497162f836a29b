//! The `provenance` settings object, from `initializationOptions`,
//! `workspace/didChangeConfiguration` and `workspace/configuration`. Every
//! field is optional. Each source is merged over what came before (a JSON
//! merge patch): an empty or partial object changes nothing it does not name,
//! and `null` puts a setting back to its default. A malformed value is
//! reported and the previous settings are kept (docs/configuration.md).

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;
use tower_lsp_server::ls_types::DiagnosticSeverity;

use crate::provenance::Thresholds;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// When an unhinted insertion counts as `bulk` (docs/classification.md).
    pub thresholds: Thresholds,
    pub diagnostics: DiagnosticsSettings,
    pub hints: HintsSettings,
    pub journal: JournalSettings,
    pub marks: MarksSettings,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct DiagnosticsSettings {
    pub enabled: bool,
    pub severity: Severity,
}

impl Default for DiagnosticsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            severity: Severity::Hint,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    #[serde(alias = "info")]
    Information,
    Hint,
}

impl Severity {
    pub fn to_lsp(self) -> DiagnosticSeverity {
        match self {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Information => DiagnosticSeverity::INFORMATION,
            Severity::Hint => DiagnosticSeverity::HINT,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct HintsSettings {
    /// One quiet line per block (`↻ 7 · 43% AI · risk 71`).
    pub enabled: bool,
    /// `inlay` (inlay hints), `codeLens`, or `both`.
    pub style: HintStyle,
}

impl Default for HintsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            style: HintStyle::CodeLens,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum HintStyle {
    Inlay,
    CodeLens,
    Both,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct JournalSettings {
    /// Overrides where journals are kept (default `.git/provenance/`).
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct MarksSettings {
    /// How recent a `provenance-ls mark` must be to name a disk write as an agent's.
    pub window_seconds: u64,
}

impl Default for MarksSettings {
    fn default() -> Self {
        Self {
            window_seconds: 600,
        }
    }
}

impl Settings {
    /// Reads settings from a value that is either the `provenance` object
    /// itself or an object holding it under `provenance`.
    pub fn from_value(value: &Value) -> Result<Settings, String> {
        let inner = section(value);
        if inner.is_null() {
            return Ok(Settings::default());
        }
        serde_json::from_value(inner.clone())
            .map_err(|e| format!("invalid provenance settings: {e}"))
    }
}

/// The `provenance` object of a value that is either that object or holds it
/// under `provenance`.
pub fn section(value: &Value) -> &Value {
    value.get("provenance").unwrap_or(value)
}

/// The settings a client has given so far, as JSON, so that each new source
/// is merged over the earlier ones instead of replacing them.
#[derive(Debug, Clone, Default)]
pub struct SettingsSource {
    merged: Value,
}

impl SettingsSource {
    /// Merges `patch` (a `provenance` object, or one holding it) over what
    /// was given so far and returns the settings that result; on a malformed
    /// result nothing is kept and the error says why.
    pub fn merge(&mut self, patch: &Value) -> Result<Settings, String> {
        let mut merged = self.merged.clone();
        merge_patch(&mut merged, section(patch));
        let settings = Settings::from_value(&merged)?;
        self.merged = merged;
        Ok(settings)
    }
}

/// RFC 7396 JSON merge patch: objects merge key by key, `null` removes a key,
/// anything else replaces. A patch that is not an object (a client's `null`
/// or `[]` for "nothing") changes nothing.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let Value::Object(target) = target else {
        return;
    };
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(_) => {
                let slot = target.entry(key.clone()).or_insert(Value::Null);
                if !slot.is_object() {
                    *slot = Value::Object(Default::default());
                }
                merge_patch(slot, value);
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_nested_and_flat_forms_and_keeps_defaults() {
        let nested =
            Settings::from_value(&json!({"provenance": {"diagnostics": {"severity": "warning"}}}))
                .unwrap();
        assert_eq!(nested.diagnostics.severity, Severity::Warning);
        assert!(nested.diagnostics.enabled);
        let flat = Settings::from_value(&json!({"hints": {"enabled": false}})).unwrap();
        assert!(!flat.hints.enabled);
        assert_eq!(
            Settings::from_value(&Value::Null).unwrap(),
            Settings::default()
        );
        assert!(Settings::from_value(&json!({"diagnostics": {"severity": "loud"}})).is_err());
    }

    #[test]
    fn each_source_changes_only_what_it_names() {
        let mut source = SettingsSource::default();
        let init = source
            .merge(&json!({"hints": {"style": "inlay"}, "diagnostics": {"severity": "warning"}}))
            .unwrap();
        assert_eq!(init.hints.style, HintStyle::Inlay);
        // eglot and coc send `settings: {}` right after start.
        assert_eq!(source.merge(&json!({})).unwrap(), init);
        assert_eq!(source.merge(&Value::Null).unwrap(), init);
        assert_eq!(source.merge(&json!({"provenance": {}})).unwrap(), init);
        let partial = source
            .merge(&json!({"provenance": {"hints": {"enabled": false}}}))
            .unwrap();
        assert!(!partial.hints.enabled);
        assert_eq!(partial.hints.style, HintStyle::Inlay);
        assert_eq!(partial.diagnostics.severity, Severity::Warning);
        // A malformed patch is refused whole and forgets nothing.
        assert!(source
            .merge(&json!({"diagnostics": {"severity": "loud"}}))
            .is_err());
        let reset = source.merge(&json!({"hints": {"style": null}})).unwrap();
        assert_eq!(reset.hints.style, HintStyle::CodeLens);
        assert_eq!(reset.diagnostics.severity, Severity::Warning);
    }
}
