//! The self-contained HTML page of a report.

use super::Report;

pub fn render_html(report: &Report) -> String {
    format!(
        "<pre>{}</pre>",
        serde_json::to_string_pretty(report).unwrap_or_default()
    )
}
