//! The `provenance` settings object, from `initializationOptions` and
//! `workspace/didChangeConfiguration`. Every field is optional; a malformed
//! value is reported and the defaults are kept (docs/configuration.md).

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
        let inner = value.get("provenance").unwrap_or(value);
        if inner.is_null() {
            return Ok(Settings::default());
        }
        serde_json::from_value(inner.clone())
            .map_err(|e| format!("invalid provenance settings: {e}"))
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
}
