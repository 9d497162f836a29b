//! The clock, read only at the edges (the LSP layer and the CLI): the core is
//! handed times and never reads a clock itself. This is the one place "now"
//! comes from: the wall clock, or the moment a command was set to with
//! `--as-of DATE|REV` (docs/risk.md, "History as of a date"). The LSP server
//! always keeps the wall clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix time in milliseconds.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Unix time in seconds.
pub fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What `--as-of` names: a moment, or a revision (whose committer date is then the moment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsOf {
    /// Unix seconds.
    Date(i64),
    Revision(String),
}

impl AsOf {
    /// `YYYY-MM-DD` (midnight UTC, the start of that day), an RFC 3339 time
    /// (`2024-03-01T12:00:00Z`, `2024-03-01 12:00:00`), `@SECONDS`; anything
    /// else is taken for a revision (`v1.2`, `HEAD~40`, a hash).
    pub fn parse(text: &str) -> AsOf {
        let t = text.trim();
        if let Some(seconds) = t.strip_prefix('@').and_then(|s| s.parse::<i64>().ok()) {
            return AsOf::Date(seconds);
        }
        let full = if t.len() == 10 && t.as_bytes().get(4) == Some(&b'-') {
            format!("{t} 00:00:00")
        } else {
            t.to_string()
        };
        match humantime::parse_rfc3339_weak(&full) {
            Ok(time) => AsOf::Date(
                time.duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64),
            ),
            Err(_) => AsOf::Revision(t.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AsOf;

    #[test]
    fn dates_and_revisions() {
        let table = [
            ("2024-03-01", AsOf::Date(1_709_251_200)),
            ("2024-03-01T12:00:00Z", AsOf::Date(1_709_294_400)),
            ("2024-03-01 12:00:00", AsOf::Date(1_709_294_400)),
            ("@1700000000", AsOf::Date(1_700_000_000)),
            ("HEAD~3", AsOf::Revision("HEAD~3".into())),
            ("v1.2-rc", AsOf::Revision("v1.2-rc".into())),
            ("2024-13-01", AsOf::Revision("2024-13-01".into())),
        ];
        for (text, expected) in table {
            assert_eq!(AsOf::parse(text), expected, "{text}");
        }
    }
}
