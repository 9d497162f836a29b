//! The workspace: open documents, their recent change batches (for hints
//! that arrive late), pending hints (for hints that arrive early) and the
//! graveyard of deleted text shared by all documents. Every mutation returns
//! the records that replay it; must never read the clock or do IO.

use super::classify::{decide, Decision, Facts, Hint, Said, Thresholds};
use super::diff::{self, Grain, Step};
use super::graveyard::{Buried, Graveyard};
use super::region::{apply_step, keep_valid, upsert, Attribution, Region};
use super::{DocumentState, Record};
use crate::text::Change;
use ropey::Rope;
use std::collections::{HashMap, VecDeque};
use std::ops::Range;

/// Hints kept per document while their version has not arrived yet.
const PENDING_HINTS: usize = 16;

/// All open documents plus the memory that spans them. Cloning is cheap
/// (ropes share their text), so readers can take a snapshot.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    thresholds: Thresholds,
    documents: HashMap<String, Document>,
    /// Last record sequence number per document key (kept across close).
    seqs: HashMap<String, u64>,
    pending_hints: HashMap<String, Vec<(i32, Hint)>>,
    graveyard: Graveyard,
    next_id: u64,
}

#[derive(Debug, Clone)]
struct Document {
    state: DocumentState,
    /// The last few change batches, newest last.
    recent: VecDeque<Batch>,
    /// Text the file now has on disk, waiting for the editor to reload it.
    reload: Option<Reload>,
}

/// A change on disk the editor has not loaded yet. The editor's buffer is
/// the truth for an open document, so the disk text is never applied
/// directly: the batch that makes the buffer equal to it is the reload.
#[derive(Debug, Clone)]
struct Reload {
    text: String,
    chars: usize,
    attribution: Option<Attribution>,
}

/// What one change batch inserted, tracked through later edits so that a
/// late hint can still reclassify it.
#[derive(Debug, Clone)]
struct Batch {
    version: i32,
    inserted_at: u64,
    /// One per insertion; `id` indexes `insertions`.
    shadows: Vec<Region>,
    insertions: Vec<Insertion>,
    hinted: bool,
}

#[derive(Debug, Clone)]
struct Insertion {
    text: String,
    outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Nothing,
    /// A region guessed without a hint (bulk or pasted-by-copy).
    Guessed(u64),
    Hinted(u64),
    Restored,
}

/// A shadow's attribution: irrelevant, shadows only track ranges.
fn shadow_attribution() -> Attribution {
    Attribution {
        source: super::Source::Bulk,
        agent: None,
        model: None,
        usage: None,
    }
}

impl Workspace {
    pub fn new(thresholds: Thresholds) -> Workspace {
        Workspace {
            thresholds,
            next_id: 1,
            ..Workspace::default()
        }
    }

    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.thresholds = thresholds;
    }

    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    pub fn document(&self, doc: &str) -> Option<&DocumentState> {
        self.documents.get(doc).map(|d| &d.state)
    }

    pub fn documents(&self) -> impl Iterator<Item = (&str, &DocumentState)> {
        self.documents.iter().map(|(k, d)| (k.as_str(), &d.state))
    }

    /// A document seen for the first time: its text is nobody's insertion.
    pub fn open(&mut self, doc: &str, version: i32, text: &str, _now_ms: u64) -> Vec<Record> {
        self.install(doc, DocumentState::new(text, version));
        vec![self.snapshot_record(doc)]
    }

    /// A document the journal knew: `known` (its last text and regions) is
    /// carried onto `text` line by line. Lines that differ become regions of
    /// `external` if given, else nothing.
    pub fn open_with_known(
        &mut self,
        doc: &str,
        version: i32,
        text: &str,
        known: DocumentState,
        now_ms: u64,
        external: Option<Attribution>,
    ) -> Vec<Record> {
        self.bump_ids(&known.regions);
        let mut state = self.reconcile(known, text, now_ms, external.as_ref());
        state.version = version;
        self.install(doc, state);
        vec![self.snapshot_record(doc)]
    }

    /// The file changed on disk (the file watcher saw it), written by
    /// `attribution` (an agent, external) or by nobody known.
    ///
    /// The editor's buffer stays the truth for an open document: this
    /// changes nothing now and returns no record. When a later change batch
    /// makes the buffer equal to `text` (the editor reloading, as full text
    /// or as minimal edits), the really new text of that batch becomes
    /// regions of `attribution`, or nothing. Equal text (a save) is ignored,
    /// as is a document that is not open (see `open_with_known`).
    pub fn replace_from_disk(
        &mut self,
        doc: &str,
        text: &str,
        _now_ms: u64,
        attribution: Option<Attribution>,
    ) -> Vec<Record> {
        let Some(document) = self.documents.get_mut(doc) else {
            return Vec::new();
        };
        document.reload = (document.state.text != text).then(|| Reload {
            text: text.to_string(),
            chars: text.chars().count(),
            attribution,
        });
        Vec::new()
    }

    pub fn close(&mut self, doc: &str) -> Vec<Record> {
        if !self.documents.contains_key(doc) {
            return Vec::new();
        }
        let snapshot = self.snapshot_record(doc);
        self.documents.remove(doc);
        self.pending_hints.remove(doc);
        vec![
            snapshot,
            Record::Closed {
                doc: doc.to_string(),
                seq: self.next_seq(doc),
            },
        ]
    }

    /// A full snapshot of an open document (for the journal to compact).
    pub fn snapshot(&mut self, doc: &str) -> Option<Record> {
        self.documents
            .contains_key(doc)
            .then(|| self.snapshot_record(doc))
    }

    /// Marks every region overlapping `range` (touching it, for an empty
    /// range) reviewed. Returns how many were marked.
    pub fn mark_reviewed(&mut self, doc: &str, range: Range<usize>) -> (usize, Vec<Record>) {
        let Some(document) = self.documents.get_mut(doc) else {
            return (0, Vec::new());
        };
        let mut marked = 0;
        for region in &mut document.state.regions {
            if super::touches(region, &range) && !region.reviewed {
                region.reviewed = true;
                marked += 1;
            }
        }
        if marked == 0 {
            return (0, Vec::new());
        }
        (marked, vec![self.regions_record(doc)])
    }

    /// A hint for the change that produces `version`, before or after it.
    pub fn hint(&mut self, doc: &str, version: i32, hint: Hint, _now_ms: u64) -> Vec<Record> {
        let current = self.documents.get(doc).map(|d| d.state.version);
        match current {
            Some(current) if current >= version => self.reclassify(doc, version, &hint),
            _ => {
                let pending = self.pending_hints.entry(doc.to_string()).or_default();
                pending.retain(|(v, _)| *v != version);
                pending.push((version, hint));
                if pending.len() > PENDING_HINTS {
                    pending.remove(0);
                }
                Vec::new()
            }
        }
    }

    /// One change batch producing `version`: edits apply in order, each
    /// against the text after the previous one.
    pub fn change(
        &mut self,
        doc: &str,
        version: i32,
        edits: &[Change],
        now_ms: u64,
    ) -> Vec<Record> {
        if !self.documents.contains_key(doc) {
            return Vec::new();
        }
        let hint = self.take_hint(doc, version);
        let before = self.text_before_if_bulk(doc, edits);
        let (steps, mut batch) = self.apply_changes(doc, edits, version, now_ms);
        let said = self
            .take_reload(doc)
            .or_else(|| hint.as_ref().map(Said::from_hint));
        let regions =
            self.decide_batch(doc, &mut batch, steps.len(), said.as_ref(), before.as_ref());
        batch.hinted = said.is_some();
        let document = self.documents.get_mut(doc).expect("checked above");
        document.state.version = version;
        document.recent.push_back(batch);
        while document.recent.len() > self.thresholds.hint_window {
            document.recent.pop_front();
        }
        vec![Record::Edit {
            doc: doc.to_string(),
            seq: self.next_seq(doc),
            version,
            steps,
            regions,
        }]
    }

    /// Replays one record. Deterministic; a record already applied (its seq
    /// is not above the document's last) changes nothing.
    pub fn apply_record(&mut self, record: &Record) {
        let doc = record.doc();
        if self.seqs.get(doc).is_some_and(|&last| last >= record.seq()) {
            return;
        }
        match record {
            Record::Snapshot {
                version,
                text,
                regions,
                ..
            } => {
                self.bump_ids(regions);
                let mut state = DocumentState::new(text, *version);
                state.regions = regions.clone();
                keep_valid_regions(&mut state);
                self.install(doc, state);
            }
            Record::Edit {
                version,
                steps,
                regions,
                ..
            } => {
                self.bump_ids(regions);
                if let Some(document) = self.documents.get_mut(doc) {
                    let state = &mut document.state;
                    for step in steps {
                        apply_step(&mut state.regions, step.shape());
                        step.apply(&mut state.text);
                    }
                    for region in regions {
                        upsert(&mut state.regions, region.clone());
                    }
                    state.version = *version;
                    keep_valid_regions(state);
                }
            }
            Record::Regions { regions, .. } => {
                self.bump_ids(regions);
                if let Some(document) = self.documents.get_mut(doc) {
                    document.state.regions = regions.clone();
                    keep_valid_regions(&mut document.state);
                }
            }
            Record::Closed { .. } => {
                self.documents.remove(doc);
            }
        }
        self.seqs.insert(doc.to_string(), record.seq());
    }

    // ---- change batches ----

    /// Applies the batch's edits as minimal steps; returns the steps and
    /// what they inserted.
    fn apply_changes(
        &mut self,
        doc: &str,
        edits: &[Change],
        version: i32,
        now_ms: u64,
    ) -> (Vec<Step>, Batch) {
        let mut batch = Batch {
            version,
            inserted_at: now_ms,
            shadows: Vec::new(),
            insertions: Vec::new(),
            hinted: false,
        };
        let mut steps = Vec::new();
        for change in edits {
            let text = &self.documents[doc].state.text;
            for step in diff::change_steps(text, change) {
                self.apply_live_step(doc, &step, &mut batch);
                steps.push(step);
            }
        }
        (steps, batch)
    }

    fn apply_live_step(&mut self, doc: &str, step: &Step, batch: &mut Batch) {
        let shape = step.shape();
        let thresholds = &self.thresholds;
        let document = self.documents.get_mut(doc).expect("open document");
        let state = &mut document.state;
        let deleted = step.at..step.at + step.delete;
        let pieces = apply_step(&mut state.regions, shape);
        let keep_deleted =
            step.delete > 0 && (!pieces.is_empty() || bulk_span(thresholds, &state.text, &deleted));
        let buried = keep_deleted.then(|| Buried {
            doc: doc.to_string(),
            at: step.at,
            text: state.text.slice(deleted.clone()).to_string(),
            pieces,
        });
        step.apply(&mut state.text);
        for old in &mut document.recent {
            apply_step(&mut old.shadows, shape);
        }
        apply_step(&mut batch.shadows, shape);
        // every insertion is its own, even inside an earlier one of the batch
        if shape.insert > 0 {
            let id = batch.insertions.len() as u64;
            let range = step.at..step.at + shape.insert;
            upsert(
                &mut batch.shadows,
                Region::new(id, range, &shadow_attribution(), 0),
            );
            batch.insertions.push(Insertion {
                text: step.insert.clone(),
                outcome: Outcome::Nothing,
            });
        }
        if let Some(buried) = buried {
            self.graveyard
                .bury(buried, self.thresholds.graveyard_entries);
        }
    }

    /// The document's text before the batch, kept only when the batch may
    /// insert bulk-sized text (copy detection looks there too).
    fn text_before_if_bulk(&self, doc: &str, edits: &[Change]) -> Option<Rope> {
        edits
            .iter()
            .any(|c| self.thresholds.is_bulk_sized(&c.text))
            .then(|| self.documents[doc].state.text.clone())
    }

    /// Decides every insertion of the batch; returns the regions made or
    /// changed (in the order they were applied).
    fn decide_batch(
        &mut self,
        doc: &str,
        batch: &mut Batch,
        batch_edits: usize,
        said: Option<&Said>,
        before: Option<&Rope>,
    ) -> Vec<Region> {
        let mut made = Vec::new();
        for shadow in batch.shadows.clone() {
            let index = shadow.id as usize;
            let text = batch.insertions[index].text.clone();
            let intact = shadow.is_intact();
            let copied = || self.is_copied(doc, &text, before);
            let facts = Facts {
                text: &text,
                said,
                batch_edits,
                buried: intact && self.graveyard.find(&text).is_some(),
                copied: &copied,
            };
            let outcome = match decide(&facts, &self.thresholds) {
                Decision::Nothing => Outcome::Nothing,
                Decision::Restore => {
                    // an undo, or a batch of many edits (a multi-place undo
                    // in Neovim), puts text back where it was: no moves
                    let may_move =
                        said != Some(&Said::Undo) && batch_edits < self.thresholds.format_min_edits;
                    made.extend(self.restore(doc, &text, shadow.start, may_move));
                    Outcome::Restored
                }
                Decision::Region(attribution) => {
                    match self.add_region(doc, &shadow, &attribution, batch.inserted_at) {
                        Some(region) if said.is_some() => {
                            let id = region.id;
                            made.push(region);
                            Outcome::Hinted(id)
                        }
                        Some(region) => {
                            let id = region.id;
                            made.push(region);
                            Outcome::Guessed(id)
                        }
                        None => Outcome::Nothing,
                    }
                }
            };
            batch.insertions[index].outcome = outcome;
        }
        made
    }

    /// Whether `text` exists verbatim in an open document (this one as it
    /// was before the batch).
    fn is_copied(&self, doc: &str, text: &str, before: Option<&Rope>) -> bool {
        let in_before = before.is_some_and(|rope| rope.to_string().contains(text));
        in_before
            || self
                .documents
                .iter()
                .filter(|(key, _)| key.as_str() != doc)
                .any(|(_, d)| d.state.text.to_string().contains(text))
    }

    /// A new region over `shadow`'s range, unless it would overlap one.
    fn add_region(
        &mut self,
        doc: &str,
        shadow: &Region,
        attribution: &Attribution,
        now_ms: u64,
    ) -> Option<Region> {
        let id = self.next_id;
        let regions = &mut self.documents.get_mut(doc)?.state.regions;
        if shadow.is_empty() || regions.iter().any(|r| r.overlaps_region(shadow)) {
            return None;
        }
        self.next_id += 1;
        let region = Region::from_shadow(id, shadow, attribution, now_ms);
        upsert(regions, region.clone());
        Some(region)
    }

    /// Brings back the regions `text` held when it was deleted, now at `at`.
    /// Short text only comes back where it was deleted (undo); longer text
    /// keeps its provenance wherever it lands (a move), unless `may_move` is
    /// false.
    fn restore(&mut self, doc: &str, text: &str, at: usize, may_move: bool) -> Vec<Region> {
        let Some(buried) = self.graveyard.find(text).cloned() else {
            return Vec::new();
        };
        let same_place = buried.doc == doc && buried.at == at;
        let may_move =
            same_place || (may_move && text.chars().count() >= self.thresholds.move_min_chars);
        let mut made = Vec::new();
        for mut piece in buried.pieces {
            piece.shift(at);
            if let Some(region) = self.restore_piece(doc, piece, may_move) {
                made.push(region);
            }
        }
        made
    }

    fn restore_piece(&mut self, doc: &str, piece: Region, may_move: bool) -> Option<Region> {
        let fresh_id = self.next_id;
        let regions = &mut self.documents.get_mut(doc)?.state.regions;
        let same = regions
            .iter()
            .position(|r| r.id == piece.id && r.start <= piece.end && piece.start <= r.end);
        let others_overlap = regions
            .iter()
            .any(|r| r.id != piece.id && r.overlaps_region(&piece));
        if others_overlap {
            return None;
        }
        let region = match same {
            Some(i) => {
                let mut region = regions[i].clone();
                region.absorb(&piece);
                region
            }
            None if may_move => {
                let mut region = piece;
                if regions.iter().any(|r| r.id == region.id) {
                    region.id = fresh_id;
                    self.next_id += 1;
                }
                region
            }
            None => return None,
        };
        upsert(regions, region.clone());
        Some(region)
    }

    // ---- hints ----

    /// The pending disk change, if this batch made the buffer equal to it.
    fn take_reload(&mut self, doc: &str) -> Option<Said> {
        let document = self.documents.get_mut(doc)?;
        let reload = document.reload.as_ref()?;
        let state = &document.state;
        if state.text.len_chars() != reload.chars || state.text != reload.text.as_str() {
            return None;
        }
        let reload = document.reload.take()?;
        Some(Said::from_reload(reload.attribution))
    }

    fn take_hint(&mut self, doc: &str, version: i32) -> Option<Hint> {
        let pending = self.pending_hints.get_mut(doc)?;
        let hint = pending
            .iter()
            .rposition(|(v, _)| *v == version)
            .map(|i| pending.remove(i).1);
        pending.retain(|(v, _)| *v > version);
        hint
    }

    /// A late hint: the batch that produced `version` is decided again.
    fn reclassify(&mut self, doc: &str, version: i32, hint: &Hint) -> Vec<Record> {
        let Some(document) = self.documents.get_mut(doc) else {
            return Vec::new();
        };
        let Some(batch) = document
            .recent
            .iter_mut()
            .rev()
            .find(|b| b.version == version)
        else {
            return Vec::new();
        };
        if batch.hinted {
            return Vec::new();
        }
        batch.hinted = true;
        let mut changed = false;
        let said = Said::from_hint(hint);
        let attribution = said.attribution();
        for shadow in &batch.shadows {
            let insertion = &mut batch.insertions[shadow.id as usize];
            match insertion.outcome {
                Outcome::Restored => continue,
                Outcome::Guessed(id) | Outcome::Hinted(id) => {
                    document.state.regions.retain(|r| r.id != id);
                    insertion.outcome = Outcome::Nothing;
                    changed = true;
                }
                Outcome::Nothing => {}
            }
            let Some(attribution) = &attribution else {
                continue;
            };
            let regions = &mut document.state.regions;
            let blank = insertion.text.chars().all(char::is_whitespace);
            if blank || regions.iter().any(|r| r.overlaps_region(shadow)) {
                continue;
            }
            let region = Region::from_shadow(self.next_id, shadow, attribution, batch.inserted_at);
            self.next_id += 1;
            insertion.outcome = Outcome::Hinted(region.id);
            upsert(regions, region);
            changed = true;
        }
        if !changed {
            return Vec::new();
        }
        vec![self.regions_record(doc)]
    }

    // ---- whole-text reconciliation ----

    /// `state` carried onto `text` by a line diff; inserted lines become
    /// regions of `attribution` when given.
    fn reconcile(
        &mut self,
        state: DocumentState,
        text: &str,
        now_ms: u64,
        attribution: Option<&Attribution>,
    ) -> DocumentState {
        let DocumentState {
            text: mut rope,
            version,
            mut regions,
        } = state;
        let old = rope.to_string();
        let mut shadows: Vec<Region> = Vec::new();
        for (i, step) in diff::text_steps(&old, text, 0, Grain::Lines)
            .into_iter()
            .enumerate()
        {
            let shape = step.shape();
            apply_step(&mut regions, shape);
            apply_step(&mut shadows, shape);
            step.apply(&mut rope);
            if shape.insert > 0 {
                let range = step.at..step.at + shape.insert;
                upsert(
                    &mut shadows,
                    Region::new(i as u64, range, &shadow_attribution(), 0),
                );
            }
        }
        if let Some(attribution) = attribution {
            for shadow in shadows {
                let blank = rope.slice(shadow.range()).chars().all(char::is_whitespace);
                if blank || regions.iter().any(|r| r.overlaps(&shadow.range())) {
                    continue;
                }
                upsert(
                    &mut regions,
                    Region::new(self.next_id, shadow.range(), attribution, now_ms),
                );
                self.next_id += 1;
            }
        }
        DocumentState {
            text: rope,
            version,
            regions,
        }
    }

    // ---- bookkeeping ----

    fn install(&mut self, doc: &str, state: DocumentState) {
        let document = Document {
            state,
            recent: VecDeque::new(),
            reload: None,
        };
        self.documents.insert(doc.to_string(), document);
    }

    fn next_seq(&mut self, doc: &str) -> u64 {
        let seq = self.seqs.entry(doc.to_string()).or_insert(0);
        *seq += 1;
        *seq
    }

    fn bump_ids(&mut self, regions: &[Region]) {
        let max = regions.iter().map(|r| r.id).max().unwrap_or(0);
        self.next_id = self.next_id.max(max + 1);
    }

    fn snapshot_record(&mut self, doc: &str) -> Record {
        let seq = self.next_seq(doc);
        let state = &self.documents[doc].state;
        Record::Snapshot {
            doc: doc.to_string(),
            seq,
            version: state.version,
            text: state.text.to_string(),
            regions: state.regions.clone(),
        }
    }

    fn regions_record(&mut self, doc: &str) -> Record {
        let seq = self.next_seq(doc);
        Record::Regions {
            doc: doc.to_string(),
            seq,
            regions: self.documents[doc].state.regions.clone(),
        }
    }
}

/// Whether deleting `range` removes bulk-sized text (worth remembering as
/// typed, so that moving it elsewhere is not taken for bulk).
fn bulk_span(t: &Thresholds, text: &Rope, range: &Range<usize>) -> bool {
    range.len() >= t.bulk_min_chars || t.is_bulk_sized_chars(text.slice(range.clone()).chars())
}

/// Drops regions a record from a damaged or foreign journal could leave past
/// the end, empty or overlapping. Records written by this code never do, so
/// for them this changes nothing.
fn keep_valid_regions(state: &mut DocumentState) {
    keep_valid(&mut state.regions, state.text.len_chars());
}
