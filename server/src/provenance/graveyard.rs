//! Recently deleted text, with the provenance it had, across all documents.
//! Undo, redo and moves (cut here, paste there) re-insert exactly such text;
//! finding it here brings its old provenance back instead of a new guess.
//! Bounded (entries and size); must never be needed for replay.

use super::region::Region;
use std::collections::VecDeque;

/// Deleted text longer than this is not kept (a whole file deleted at once
/// would otherwise pin megabytes for a rare undo).
const MAX_BURIED_BYTES: usize = 1 << 20;

#[derive(Debug, Clone)]
pub(crate) struct Buried {
    pub doc: String,
    /// Char offset the text was deleted at.
    pub at: usize,
    pub text: String,
    /// The regions the text held, positioned relative to its start. Empty
    /// for typed text (kept so that moving it keeps it typed).
    pub pieces: Vec<Region>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Graveyard {
    entries: VecDeque<Buried>,
}

impl Graveyard {
    pub fn bury(&mut self, buried: Buried, capacity: usize) {
        if buried.text.len() > MAX_BURIED_BYTES || capacity == 0 {
            return;
        }
        // Re-deleting the same text replaces the older entry.
        self.entries.retain(|e| e.text != buried.text);
        while self.entries.len() >= capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(buried);
    }

    /// The most recent entry with exactly this text.
    pub fn find(&self, text: &str) -> Option<&Buried> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.text.len() == text.len() && e.text == text)
    }
}
