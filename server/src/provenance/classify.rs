//! Who wrote an inserted piece of text: the rules of docs/classification.md.
//! Pure decisions over plain values; the workspace gathers the facts.
//! Must never look at documents itself or decide anything the docs page
//! does not state.

use super::region::{Attribution, Source};
use serde::{Deserialize, Serialize};

/// The numbers the classification rules use. Users configure them, so every
/// field has a serde default (docs/classification.md says why each value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Thresholds {
    /// With no hint, one insertion with at least this many line breaks is bulk.
    pub bulk_min_line_breaks: usize,
    /// With no hint, one insertion of at least this many chars is bulk.
    pub bulk_min_chars: usize,
    /// With no hint, one insertion with at least this many lines of code
    /// (lines holding a letter or digit) is bulk, however short.
    pub bulk_min_code_lines: usize,
    /// A batch with at least this many separate edits is a formatter or a
    /// refactoring, not authorship (when no hint says otherwise).
    pub format_min_edits: usize,
    /// Recently deleted text kept to recognise undo/redo and moves.
    pub graveyard_entries: usize,
    /// Moved text of at least this many chars keeps its provenance anywhere;
    /// shorter text only where it came from (undo).
    pub move_min_chars: usize,
    /// How many recent change batches a late hint can still reclassify.
    pub hint_window: usize,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            bulk_min_line_breaks: 3,
            bulk_min_chars: 120,
            bulk_min_code_lines: 2,
            format_min_edits: 3,
            graveyard_entries: 64,
            move_min_chars: 16,
            hint_window: 8,
        }
    }
}

impl Thresholds {
    /// Large enough to be bulk when nothing else is known: long, or several
    /// lines at once. Whitespace-only text is never bulk (rule 1), and one
    /// line of code with brackets around it (a snippet, Enter between
    /// braces) is not several lines of code.
    pub fn is_bulk_sized(&self, text: &str) -> bool {
        self.is_bulk_sized_chars(text.chars())
    }

    /// [`Self::is_bulk_sized`] over any run of chars (a rope slice).
    pub fn is_bulk_sized_chars(&self, chars: impl Iterator<Item = char>) -> bool {
        let (mut count, mut line_breaks, mut code_lines, mut line_has_code) = (0, 0, 0, false);
        for c in chars {
            count += 1;
            if c == '\n' {
                line_breaks += 1;
                line_has_code = false;
            } else if !line_has_code && c.is_alphanumeric() {
                line_has_code = true;
                code_lines += 1;
            }
            if count >= self.bulk_min_chars
                || line_breaks >= self.bulk_min_line_breaks
                || (line_breaks > 0 && code_lines >= self.bulk_min_code_lines)
            {
                return true;
            }
        }
        false
    }
}

/// What the editor says a change was (`provenance/editSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HintSource {
    Pasted,
    Completion,
    Agent,
    /// Written by another program (a reload from disk without a mark).
    External,
    Typed,
    Undo,
    Reload,
    Format,
    Refactor,
}

impl HintSource {
    /// The region source this hint makes; `None` for "not authorship".
    pub fn region_source(self) -> Option<Source> {
        match self {
            HintSource::Pasted => Some(Source::Pasted),
            HintSource::Completion => Some(Source::Completion),
            HintSource::Agent => Some(Source::Agent),
            HintSource::External => Some(Source::External),
            HintSource::Typed
            | HintSource::Undo
            | HintSource::Reload
            | HintSource::Format
            | HintSource::Refactor => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hint {
    pub source: HintSource,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
}

impl Hint {
    pub fn new(source: HintSource) -> Hint {
        Hint {
            source,
            agent: None,
            model: None,
        }
    }

    pub fn attribution(&self) -> Option<Attribution> {
        self.source.region_source().map(|source| Attribution {
            source,
            agent: self.agent.clone(),
            model: self.model.clone(),
            usage: None,
        })
    }
}

/// What the editor (or the file watcher) said about a batch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Said {
    /// A completion, an agent, or a reload of text an agent wrote: beats
    /// the graveyard.
    Wrote(Attribution),
    /// A paste: the graveyard (a move keeps its provenance) comes first.
    Pasted(Attribution),
    /// Typed: no region, but the typing rule may keep it as typed text.
    Typed,
    /// Reload, format, refactor.
    NotAuthorship,
    /// Undo or redo: text comes back where it was, never from elsewhere.
    Undo,
}

impl Said {
    pub fn from_hint(hint: &Hint) -> Said {
        match hint.attribution() {
            Some(a) if hint.source == HintSource::Pasted => Said::Pasted(a),
            Some(a) => Said::Wrote(a),
            None if hint.source == HintSource::Undo => Said::Undo,
            None if hint.source == HintSource::Typed => Said::Typed,
            None => Said::NotAuthorship,
        }
    }

    /// The editor reloaded text changed on disk by `attribution` (or by
    /// nobody known: not authorship).
    pub fn from_reload(attribution: Option<Attribution>) -> Said {
        attribution.map_or(Said::NotAuthorship, Said::Wrote)
    }

    pub fn attribution(&self) -> Option<&Attribution> {
        match self {
            Said::Wrote(a) | Said::Pasted(a) => Some(a),
            Said::Typed | Said::NotAuthorship | Said::Undo => None,
        }
    }
}

/// Whether an inserted piece that made no region was typed by a person
/// (docs/classification.md, *Typed text*): nothing but a `typed` hint or no
/// hint at all was said of its batch; without a hint the batch is not a
/// formatter's (fewer than `formatMinEdits` edits; a `typed` hint lifts
/// this, for multi-cursor typing); and the piece is not bulk-sized (a
/// person types one line at a time). The workspace also checks that it
/// does not put back text deleted there that was not typed (an undo).
pub(crate) fn is_typing(
    text: &str,
    said: Option<&Said>,
    batch_edits: usize,
    thresholds: &Thresholds,
) -> bool {
    let said_typing = match said {
        None => batch_edits < thresholds.format_min_edits,
        Some(Said::Typed) => true,
        Some(_) => false,
    };
    said_typing && !text.is_empty() && !thresholds.is_bulk_sized(text)
}

/// What is known about one inserted piece when its batch ends.
pub(crate) struct Facts<'a> {
    pub text: &'a str,
    pub said: Option<&'a Said>,
    /// Edits in the batch after diffing.
    pub batch_edits: usize,
    /// Recently deleted text equal to this one exists (undo, redo, move).
    pub buried: bool,
    /// The text exists verbatim in an open document (checked lazily).
    pub copied: &'a dyn Fn() -> bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    Nothing,
    Region(Attribution),
    /// Bring back the provenance the deleted text had.
    Restore,
}

/// The rules, in order; the first that applies decides.
pub(crate) fn decide(facts: &Facts<'_>, thresholds: &Thresholds) -> Decision {
    if facts.text.chars().all(char::is_whitespace) {
        return Decision::Nothing;
    }
    if let Some(Said::Wrote(attribution)) = facts.said {
        return Decision::Region(attribution.clone());
    }
    if facts.buried {
        return Decision::Restore;
    }
    if let Some(said) = facts.said {
        return said
            .attribution()
            .cloned()
            .map_or(Decision::Nothing, Decision::Region);
    }
    if facts.batch_edits >= thresholds.format_min_edits || !thresholds.is_bulk_sized(facts.text) {
        return Decision::Nothing;
    }
    let source = if (facts.copied)() {
        Source::Pasted
    } else {
        Source::Bulk
    };
    Decision::Region(Attribution {
        source,
        agent: None,
        model: None,
        usage: None,
    })
}
