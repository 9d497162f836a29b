//! The workspace: open documents, their recent change batches (for hints
//! that arrive late), pending hints (for hints that arrive early) and the
//! graveyard of deleted text shared by all documents. Every mutation returns
//! the records that replay it; must never read the clock or do IO.

use super::classify::{decide, is_typing, Decision, Facts, Hint, Said, Thresholds};
use super::diff::{self, Grain, Step};
use super::graveyard::{Buried, Graveyard};
use super::region::{apply_step, keep_valid, upsert, Attribution, Region, StepShape};
use super::{DocumentState, Record};
use crate::text::Change;
use ropey::Rope;
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::Range;

/// Hints kept per document while their version has not arrived yet.
const PENDING_HINTS: usize = 16;

/// Recent small deletions of text not typed here, kept per document: the
/// same text put back at the same place is an undo or redo, not typing.
const UNTYPED_DELETIONS: usize = 16;

/// Most regions one whole-text reconciliation (a file changed on disk) makes.
/// A rewrite with more changed hunks is coalesced into at most this many
/// regions, each saying how many hunks it stands for (docs/classification.md).
pub const MAX_DISK_REGIONS: usize = 16;

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
    /// Documents whose replayed records have a gap (see `apply_record`).
    broken: HashSet<String>,
}

#[derive(Debug, Clone)]
struct Document {
    state: DocumentState,
    /// The last few change batches, newest last.
    recent: VecDeque<Batch>,
    /// Text the file now has on disk, waiting for the editor to reload it.
    reload: Option<Reload>,
    /// Where small text not typed here was deleted, newest last (see
    /// [`UNTYPED_DELETIONS`]).
    untyped_deletions: VecDeque<(usize, String)>,
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
    /// Typed: its chars joined the typed region with this id.
    Typed(u64),
}

fn typed_attribution() -> Attribution {
    Attribution {
        source: super::Source::Typed,
        agent: None,
        model: None,
        usage: None,
    }
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
        self.open_against(doc, version, text, known, now_ms, external, None)
    }

    /// As [`Workspace::open_with_known`], but a changed line becomes a
    /// region only when it is new against `committed` (the file at HEAD)
    /// too.
    #[allow(clippy::too_many_arguments)]
    pub fn open_against(
        &mut self,
        doc: &str,
        version: i32,
        text: &str,
        known: DocumentState,
        now_ms: u64,
        external: Option<Attribution>,
        committed: Option<&str>,
    ) -> Vec<Record> {
        self.bump_ids(&known.regions);
        self.bump_ids(&known.typed);
        let mut state = self.reconcile(known, text, now_ms, external.as_ref(), committed);
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

    /// One change batch while the file on disk is known to hold `disk`,
    /// just written by `attribution` (an agent whose mark names the file),
    /// for editors that reload a file without the server's file watcher
    /// hearing of it. If the batch makes the buffer equal to `disk`, it is
    /// that writer's reload, decided as if the watcher had reported the
    /// write first ([`Workspace::replace_from_disk`]); otherwise it is any
    /// other batch. A hint for the batch, or a write the watcher already
    /// reported, decides instead.
    pub fn change_with_disk(
        &mut self,
        doc: &str,
        version: i32,
        edits: &[Change],
        now_ms: u64,
        (disk, attribution): (&str, Attribution),
    ) -> Vec<Record> {
        let hinted = self
            .pending_hints
            .get(doc)
            .is_some_and(|pending| pending.iter().any(|(v, _)| *v == version));
        let staged = match self.documents.get_mut(doc) {
            Some(document) if !hinted && document.reload.is_none() => {
                document.reload = (document.state.text != disk).then(|| Reload {
                    text: disk.to_string(),
                    chars: disk.chars().count(),
                    attribution: Some(attribution),
                });
                document.reload.is_some()
            }
            _ => false,
        };
        let records = self.change(doc, version, edits, now_ms);
        if staged {
            // Not this batch's result: it was no reload, and the next batch
            // is not measured against a write it may never have seen.
            if let Some(document) = self.documents.get_mut(doc) {
                document.reload = None;
            }
        }
        records
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
        (marked, vec![self.regions_record(doc, false)])
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
        let (regions, typed) =
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
            typed,
        }]
    }

    /// Replays one record. Deterministic; a record already applied (its seq
    /// is not above the document's last) changes nothing.
    ///
    /// Edits and region lists are offsets into the text the previous record
    /// left. After a gap in a document's sequence numbers (a record lost to
    /// damage) they would land on the wrong text, so the document keeps its
    /// state from before the gap and later edits are skipped until a
    /// snapshot (a reopen) gives it a whole text again: a region may be
    /// missed, none is put where its text is not.
    pub fn apply_record(&mut self, record: &Record) {
        let doc = record.doc();
        let last = self.seqs.get(doc).copied();
        if last.is_some_and(|last| last >= record.seq()) {
            return;
        }
        let gap = last.is_some_and(|last| record.seq() != last + 1);
        match record {
            Record::Snapshot { .. } | Record::Closed { .. } => {
                self.broken.remove(doc);
            }
            Record::Edit { .. } | Record::Regions { .. } => {
                if gap {
                    self.broken.insert(doc.to_string());
                }
                if self.broken.contains(doc) {
                    self.seqs.insert(doc.to_string(), record.seq());
                    return;
                }
            }
        }
        match record {
            Record::Snapshot {
                version,
                text,
                regions,
                typed,
                ..
            } => {
                self.bump_ids(regions);
                self.bump_ids(typed);
                let mut state = DocumentState::new(text, *version);
                state.regions = regions.clone();
                state.typed = typed.clone();
                keep_valid_regions(&mut state);
                self.install(doc, state);
            }
            Record::Edit {
                version,
                steps,
                regions,
                typed,
                ..
            } => {
                self.bump_ids(regions);
                self.bump_ids(typed);
                if let Some(document) = self.documents.get_mut(doc) {
                    let state = &mut document.state;
                    let mut mover = Mover::new(std::mem::take(&mut state.regions));
                    let mut typed_mover = Mover::new(std::mem::take(&mut state.typed));
                    for step in steps {
                        mover.step(step.shape());
                        typed_mover.step(step.shape());
                    }
                    state.regions = mover.finish();
                    state.typed = typed_mover.finish();
                    diff::apply_steps(&mut state.text, steps);
                    for region in regions {
                        upsert(&mut state.regions, region.clone());
                    }
                    for region in typed {
                        upsert(&mut state.typed, region.clone());
                    }
                    state.version = *version;
                    keep_valid_regions(state);
                }
            }
            Record::Regions { regions, typed, .. } => {
                self.bump_ids(regions);
                self.bump_ids(typed.as_deref().unwrap_or_default());
                if let Some(document) = self.documents.get_mut(doc) {
                    document.state.regions = regions.clone();
                    if let Some(typed) = typed {
                        document.state.typed = typed.clone();
                    }
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
    /// what they inserted. The region lists move through all steps in one
    /// pass each ([`Mover`]), so a full-text change diffed into 100k steps
    /// costs what its diff costs, not steps × regions.
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
        let document = self.documents.get_mut(doc).expect("open document");
        let mut movers = Movers {
            regions: Mover::new(std::mem::take(&mut document.state.regions)),
            recent: document
                .recent
                .iter_mut()
                .map(|b| Mover::new(std::mem::take(&mut b.shadows)))
                .collect(),
            batch: Mover::new(Vec::new()),
            typed: Mover::new(std::mem::take(&mut document.state.typed)),
        };
        let mut steps = Vec::new();
        for change in edits {
            // The steps of one change go forward (one diff): read what each
            // deletes from the text before the change, and build the new
            // text once, not one rope edit per step.
            let before = self.documents[doc].state.text.clone();
            let change_steps = diff::change_steps(&before, change);
            let mut shift = 0isize;
            for step in &change_steps {
                self.apply_live_step(doc, step, (&before, shift), &mut batch, &mut movers);
                shift += step.shape().insert as isize - step.delete as isize;
            }
            let text = &mut self.documents.get_mut(doc).expect("open").state.text;
            diff::apply_steps(text, &change_steps);
            steps.extend(change_steps);
        }
        let document = self.documents.get_mut(doc).expect("open document");
        document.state.regions = movers.regions.finish();
        document.state.typed = movers.typed.finish();
        for (old, mover) in document.recent.iter_mut().zip(movers.recent) {
            old.shadows = mover.finish();
        }
        batch.shadows = movers.batch.finish();
        (steps, batch)
    }

    /// One step of a change; `before` is the text before the change and
    /// how far the change's earlier steps moved this step's offsets.
    fn apply_live_step(
        &mut self,
        doc: &str,
        step: &Step,
        (before, shift): (&Rope, isize),
        batch: &mut Batch,
        movers: &mut Movers,
    ) {
        let shape = step.shape();
        let thresholds = &self.thresholds;
        let start = shifted(step.at, -shift).min(before.len_chars());
        let deleted = start..(start + step.delete).min(before.len_chars());
        let pieces = movers.regions.step(shape);
        let typed_chars: usize = movers.typed.step(shape).iter().map(Region::len).sum();
        let bulk = step.delete > 0 && bulk_span(thresholds, before, &deleted);
        let keep_deleted = step.delete > 0 && (!pieces.is_empty() || bulk);
        // Small text not (wholly) typed here: putting it back is not typing.
        let untyped = (step.delete > 0 && !bulk && typed_chars < deleted.len())
            .then(|| (step.at, before.slice(deleted.clone()).to_string()));
        let buried = keep_deleted.then(|| Buried {
            doc: doc.to_string(),
            at: step.at,
            text: before.slice(deleted.clone()).to_string(),
            pieces,
        });
        for old in &mut movers.recent {
            old.step(shape);
        }
        movers.batch.step(shape);
        // every insertion is its own, even inside an earlier one of the batch
        if shape.insert > 0 {
            let id = batch.insertions.len() as u64;
            let range = step.at..step.at + shape.insert;
            movers
                .batch
                .insert(Region::new(id, range, &shadow_attribution(), 0));
            batch.insertions.push(Insertion {
                text: step.insert.clone(),
                outcome: Outcome::Nothing,
            });
        }
        if let Some(buried) = buried {
            self.graveyard
                .bury(buried, self.thresholds.graveyard_entries);
        }
        if let Some(deletion) = untyped {
            let document = self.documents.get_mut(doc).expect("open document");
            if document.untyped_deletions.len() == UNTYPED_DELETIONS {
                document.untyped_deletions.pop_front();
            }
            document.untyped_deletions.push_back(deletion);
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
    /// changed (in the order they were applied) and the typed regions typing
    /// made or grew.
    fn decide_batch(
        &mut self,
        doc: &str,
        batch: &mut Batch,
        batch_edits: usize,
        said: Option<&Said>,
        before: Option<&Rope>,
    ) -> (Vec<Region>, Vec<Region>) {
        let mut made = Vec::new();
        let mut typed_ids: Vec<u64> = Vec::new();
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
                Decision::Nothing
                    if !shadow.is_empty()
                        && is_typing(&text, said, batch_edits, &self.thresholds)
                        && (said.is_some()
                            || !self.puts_back_untyped(doc, shadow.start, &text)) =>
                {
                    let document = self.documents.get_mut(doc).expect("open document");
                    let id = add_typed(
                        &mut document.state.typed,
                        &shadow,
                        &mut self.next_id,
                        batch.inserted_at,
                    );
                    if !typed_ids.contains(&id) {
                        typed_ids.push(id);
                    }
                    Outcome::Typed(id)
                }
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
        let typed = match self.documents.get(doc) {
            Some(document) if !typed_ids.is_empty() => document
                .state
                .typed
                .iter()
                .filter(|r| typed_ids.contains(&r.id))
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        (made, typed)
    }

    /// Whether inserting `text` at `at` puts back text not typed here that
    /// was deleted there recently (an undo or redo no hint named).
    fn puts_back_untyped(&self, doc: &str, at: usize, text: &str) -> bool {
        self.documents.get(doc).is_some_and(|d| {
            d.untyped_deletions
                .iter()
                .any(|(was, deleted)| *was == at && deleted == text)
        })
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
        let mut typed_changed = false;
        let said = Said::from_hint(hint);
        let attribution = said.attribution();
        for shadow in &batch.shadows {
            let insertion = &mut batch.insertions[shadow.id as usize];
            match insertion.outcome {
                Outcome::Restored => continue,
                // typed, and the editor says so
                Outcome::Typed(_) if said == Said::Typed => continue,
                Outcome::Typed(id) => {
                    let typed = &mut document.state.typed;
                    if let Some(i) = typed.iter().position(|r| r.id == id) {
                        typed[i].remove_spans(shadow.spans());
                        if typed[i].is_empty() {
                            typed.remove(i);
                        }
                    }
                    insertion.outcome = Outcome::Nothing;
                    typed_changed = true;
                }
                Outcome::Guessed(id) | Outcome::Hinted(id) => {
                    document.state.regions.retain(|r| r.id != id);
                    insertion.outcome = Outcome::Nothing;
                    changed = true;
                }
                Outcome::Nothing => {}
            }
            let Some(attribution) = &attribution else {
                let typing = said == Said::Typed
                    && !shadow.is_empty()
                    && is_typing(&insertion.text, Some(&said), 0, &self.thresholds)
                    && !document
                        .state
                        .regions
                        .iter()
                        .any(|r| r.overlaps_region(shadow));
                if typing {
                    let id = add_typed(
                        &mut document.state.typed,
                        shadow,
                        &mut self.next_id,
                        batch.inserted_at,
                    );
                    insertion.outcome = Outcome::Typed(id);
                    typed_changed = true;
                }
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
        if !changed && !typed_changed {
            return Vec::new();
        }
        vec![self.regions_record(doc, typed_changed)]
    }

    // ---- whole-text reconciliation ----

    /// `state` carried onto `text` by a line diff; inserted lines become
    /// regions of `attribution` when given — only lines new against
    /// `committed` too, when given (a line as HEAD has it is nobody's new
    /// text: a revert, a checkout). At most [`MAX_DISK_REGIONS`] regions:
    /// a wholesale rewrite is coalesced into a few, each saying how many
    /// hunks it stands for. Linear in the texts (one [`Mover`] pass).
    fn reconcile(
        &mut self,
        state: DocumentState,
        text: &str,
        now_ms: u64,
        attribution: Option<&Attribution>,
        committed: Option<&str>,
    ) -> DocumentState {
        let DocumentState {
            text: old,
            version,
            regions,
            typed,
        } = state;
        let old = old.to_string();
        // The steps end at `text`: only the regions need to go through them.
        let rope = Rope::from_str(text);
        let mut regions = Mover::new(regions);
        let mut typed = Mover::new(typed);
        let mut shadows = Mover::new(Vec::new());
        for (i, step) in diff::text_steps(&old, text, 0, Grain::Lines)
            .into_iter()
            .enumerate()
        {
            let shape = step.shape();
            regions.step(shape);
            typed.step(shape);
            shadows.step(shape);
            if shape.insert > 0 {
                let range = step.at..step.at + shape.insert;
                shadows.insert(Region::new(i as u64, range, &shadow_attribution(), 0));
            }
        }
        let mut regions = regions.finish();
        if let Some(attribution) = attribution {
            let mut new: Vec<Range<usize>> = shadows.finish().iter().map(Region::range).collect();
            if let Some(committed) = committed {
                new = intersect(&new, &inserted_ranges(committed, text));
            }
            new.retain(|range| !rope.slice(range.clone()).chars().all(char::is_whitespace));
            let made = disk_regions(&new, &regions);
            for (range, hunks) in made {
                let mut region = Region::new(self.next_id, range, attribution, now_ms);
                region.hunks = hunks;
                self.next_id += 1;
                upsert(&mut regions, region);
            }
        }
        DocumentState {
            text: rope,
            version,
            regions,
            typed: typed.finish(),
        }
    }

    // ---- bookkeeping ----

    fn install(&mut self, doc: &str, state: DocumentState) {
        let document = Document {
            state,
            recent: VecDeque::new(),
            reload: None,
            untyped_deletions: VecDeque::new(),
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
            typed: state.typed.clone(),
        }
    }

    /// The document's regions, and its typed regions when `with_typed`.
    fn regions_record(&mut self, doc: &str, with_typed: bool) -> Record {
        let seq = self.next_seq(doc);
        let state = &self.documents[doc].state;
        Record::Regions {
            doc: doc.to_string(),
            seq,
            regions: state.regions.clone(),
            typed: with_typed.then(|| state.typed.clone()),
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
    keep_valid(&mut state.typed, state.text.len_chars());
}

/// Adds what `shadow` holds (an insertion that was typed) to the typed
/// region it touches — typing goes on where it was, so a session of typing
/// is a few regions, not one per keystroke — or to a new one. Returns the
/// region's id.
fn add_typed(typed: &mut Vec<Region>, shadow: &Region, next_id: &mut u64, now_ms: u64) -> u64 {
    let touching = typed
        .iter()
        .position(|r| r.start <= shadow.end && shadow.start <= r.end);
    let region = match touching {
        Some(i) => {
            let mut region = typed.remove(i);
            region.add_spans(shadow.spans());
            region
        }
        None => {
            let mut region = Region::from_shadow(*next_id, shadow, &typed_attribution(), now_ms);
            *next_id += 1;
            region.add_spans(&[]);
            region
        }
    };
    let id = region.id;
    upsert(typed, region);
    id
}

/// The region lists one change batch moves: the document's regions, the
/// shadows of its recent batches, and this batch's own shadows.
struct Movers {
    regions: Mover,
    recent: Vec<Mover>,
    batch: Mover,
    typed: Mover,
}

/// Moves a sorted, non-overlapping region list through a sequence of steps
/// with the same result as [`apply_step`] on the whole list at each step,
/// but in one pass when the steps go forward (as the steps of one diff do):
/// regions wholly before the current step are `done`, regions it may reach
/// are `active` (only these go through `apply_step`), and regions wholly
/// after it wait in `rest`, shifted lazily by `delta`. A step that goes
/// backwards (an LSP batch in any order) first folds everything back into
/// `rest`, one pass — what `apply_step` always costs.
struct Mover {
    done: Vec<Region>,
    active: Vec<Region>,
    /// In the coordinates before the steps so far: add `delta`.
    rest: VecDeque<Region>,
    delta: isize,
    /// Where the last step was: regions in `done` end at or before it.
    floor: usize,
}

impl Mover {
    fn new(regions: Vec<Region>) -> Mover {
        Mover {
            done: Vec::new(),
            active: Vec::new(),
            rest: regions.into(),
            delta: 0,
            floor: 0,
        }
    }

    /// One step; returns the pieces its deletion took away (as `apply_step`).
    fn step(&mut self, shape: StepShape) -> Vec<Region> {
        if shape.at < self.floor {
            let all = std::mem::replace(self, Mover::new(Vec::new())).finish();
            *self = Mover::new(all);
        }
        self.floor = shape.at;
        // A region ending at or before the step is never touched by it, nor
        // (steps going forward) by any later one.
        // Taken from the front only: a region may sit in the gap of an
        // earlier one (char-exact spans), so ends are not sorted.
        let finished = self.active.iter().take_while(|r| r.end <= shape.at).count();
        self.done.extend(self.active.drain(..finished));
        // A region starting at or after the deleted range only shifts.
        let reach = shape.at + shape.delete;
        while self
            .rest
            .front()
            .is_some_and(|r| shifted(r.start, self.delta) < reach)
        {
            let mut region = self.rest.pop_front().expect("checked");
            region.shift_signed(self.delta);
            self.active.push(region);
        }
        let pieces = apply_step(&mut self.active, shape);
        self.delta += shape.insert as isize - shape.delete as isize;
        pieces
    }

    /// Adds a region the last step inserted (it lies within that step's
    /// insertion, so after `done` and before `rest`).
    fn insert(&mut self, region: Region) {
        if region.is_empty() {
            return;
        }
        let at = self.active.partition_point(|r| r.start < region.start);
        self.active.insert(at, region);
    }

    fn finish(self) -> Vec<Region> {
        let Mover {
            mut done,
            active,
            rest,
            delta,
            ..
        } = self;
        done.extend(active);
        done.extend(rest.into_iter().map(|mut region| {
            region.shift_signed(delta);
            region
        }));
        // Fresh insertions and regions already `done` can interleave (seen
        // in the equivalence test once regions nest): keep the list sorted
        // by start, as every other region list is.
        done.sort_by_key(|r| r.start);
        done
    }
}

fn shifted(offset: usize, delta: isize) -> usize {
    offset.saturating_add_signed(delta)
}

/// The char ranges of `new` that a line diff from `old` says are inserted.
fn inserted_ranges(old: &str, new: &str) -> Vec<Range<usize>> {
    diff::text_steps(old, new, 0, Grain::Lines)
        .into_iter()
        .filter(|step| !step.insert.is_empty())
        .map(|step| step.at..step.at + step.insert.chars().count())
        .collect()
}

/// The overlaps of two sorted lists of disjoint ranges.
fn intersect(a: &[Range<usize>], b: &[Range<usize>]) -> Vec<Range<usize>> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        if start < end {
            out.push(start..end);
        }
        if a[i].end <= b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The regions for changed ranges (sorted, disjoint) that no carried region
/// overlaps: one per range, or, past [`MAX_DISK_REGIONS`], runs of ranges
/// joined (never across a carried region) with how many each holds.
fn disk_regions(changed: &[Range<usize>], carried: &[Region]) -> Vec<(Range<usize>, usize)> {
    let mut free = Vec::with_capacity(changed.len());
    let mut k = 0;
    for range in changed {
        while k < carried.len() && carried[k].end <= range.start {
            k += 1;
        }
        if k < carried.len() && carried[k].start < range.end {
            continue;
        }
        free.push((range.clone(), k));
    }
    if free.len() <= MAX_DISK_REGIONS {
        return free.into_iter().map(|(range, _)| (range, 0)).collect();
    }
    // Ranges with the same carried region after them have none between them.
    let mut runs: Vec<(Range<usize>, usize, usize)> = Vec::new();
    for (range, next_carried) in free {
        match runs.last_mut() {
            Some((run, hunks, after)) if *after == next_carried => {
                run.end = range.end;
                *hunks += 1;
            }
            _ => runs.push((range, 1, next_carried)),
        }
    }
    if runs.len() > MAX_DISK_REGIONS {
        // Many carried regions in between: keep the largest runs.
        runs.sort_by_key(|(_, hunks, _)| std::cmp::Reverse(*hunks));
        runs.truncate(MAX_DISK_REGIONS);
        runs.sort_by_key(|(range, _, _)| range.start);
    }
    runs.into_iter()
        .map(|(range, hunks, _)| (range, if hunks > 1 { hunks } else { 0 }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(spans: &[(usize, usize)]) -> Vec<Region> {
        spans
            .iter()
            .enumerate()
            .map(|(i, &(start, end))| Region::new(i as u64, start..end, &shadow_attribution(), 0))
            .collect()
    }

    /// The one-pass mover gives exactly what `apply_step` on the whole list
    /// gives at every step (regions and the pieces cut), for steps that go
    /// forward, backward or both.
    #[test]
    fn mover_equals_apply_step_on_the_whole_list() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        for _ in 0..400 {
            let mut spans = Vec::new();
            let mut at = 0;
            for _ in 0..next(12) {
                let start = at + next(6);
                let end = start + 1 + next(8);
                spans.push((start, end));
                at = end;
            }
            let mut len = at + 20;
            let mut whole = regions(&spans);
            let mut mover = Mover::new(whole.clone());
            let forward = next(2) == 0;
            let mut cursor = 0;
            let mut fresh_id = 1000;
            for _ in 0..next(25) {
                let at = if forward {
                    cursor = (cursor + next(5)).min(len);
                    cursor
                } else {
                    next(len + 1)
                };
                let delete = next(6).min(len - at);
                let insert = if next(3) == 0 { 0 } else { next(5) };
                let shape = StepShape { at, delete, insert };
                len = len - delete + insert;
                cursor = at + insert;
                let expected = apply_step(&mut whole, shape);
                let got = mover.step(shape);
                assert_eq!(got, expected, "pieces of {shape:?}");
                // inside a region's gap too: regions nest (char-exact spans)
                if insert > 0 && next(2) == 0 {
                    fresh_id += 1;
                    let fresh = Region::new(fresh_id, at..at + insert, &shadow_attribution(), 0);
                    let overlaps = whole.iter().any(|r| r.overlaps(&fresh.range()));
                    if !overlaps {
                        upsert(&mut whole, fresh.clone());
                        mover.insert(fresh);
                    }
                }
            }
            assert_eq!(mover.finish(), whole);
        }
    }

    fn agent(name: &str) -> Attribution {
        Attribution {
            source: super::super::Source::Agent,
            agent: Some(name.into()),
            model: None,
            usage: None,
        }
    }

    fn sources(ws: &Workspace) -> Vec<(super::super::Source, Option<String>)> {
        ws.document("d")
            .unwrap()
            .regions
            .iter()
            .map(|r| (r.source, r.agent.clone()))
            .collect()
    }

    /// A batch that makes the buffer equal to the marked disk text is the
    /// agent's reload; one that does not is any batch and leaves nothing
    /// pending; a hint for the batch decides instead.
    #[test]
    fn a_batch_reaching_the_marked_disk_text_is_the_agents_reload() {
        use super::super::{HintSource, Source};
        let block = "fn b() {\n    1\n}\n";
        let disk = format!("fn a() {{}}\n{block}");
        let mut ws = Workspace::new(Thresholds::default());
        ws.open("d", 1, "fn a() {}\n", 0);
        ws.change_with_disk("d", 2, &[Change::insert(10, block)], 5, (&disk, agent("x")));
        assert_eq!(sources(&ws), [(Source::Agent, Some("x".into()))]);

        // Not the disk text: as without a mark (bulk), and the disk text
        // is not waited for by later batches.
        let mut ws = Workspace::new(Thresholds::default());
        ws.open("d", 1, "fn a() {}\n", 0);
        let other = "fn c() {\n    2\n}\n";
        ws.change_with_disk("d", 2, &[Change::insert(10, other)], 5, (&disk, agent("x")));
        assert_eq!(sources(&ws), [(Source::Bulk, None)]);
        ws.change("d", 3, &[Change::delete(10..10 + other.len())], 6);
        ws.change("d", 4, &[Change::insert(10, block)], 7);
        assert_eq!(sources(&ws), [(Source::Bulk, None)]);

        // A hint for the batch decides.
        let mut ws = Workspace::new(Thresholds::default());
        ws.open("d", 1, "fn a() {}\n", 0);
        ws.hint("d", 2, Hint::new(HintSource::Pasted), 4);
        ws.change_with_disk("d", 2, &[Change::insert(10, block)], 5, (&disk, agent("x")));
        assert_eq!(sources(&ws), [(Source::Pasted, None)]);
    }

    /// A record lost from the middle of a document's records: later edits
    /// would land on the wrong text, so replay keeps the state before the
    /// gap until the next snapshot.
    #[test]
    fn replay_stops_a_document_at_a_gap_until_its_next_snapshot() {
        let mut live = Workspace::new(Thresholds::default());
        let mut records = live.open("d", 1, "a\nb\n", 0);
        for (version, text) in [(2, "one\n"), (3, "two\n"), (4, "three\n")] {
            let hint = Hint::new(super::super::HintSource::Pasted);
            live.hint("d", version, hint, 0);
            records.extend(live.change("d", version, &[Change::insert(0, text)], 0));
        }
        let mut replayed = Workspace::new(Thresholds::default());
        for (i, record) in records.iter().enumerate() {
            if i != 2 {
                replayed.apply_record(record);
            }
        }
        let state = replayed.document("d").expect("replayed");
        assert_eq!(state.text.to_string(), "one\na\nb\n");
        assert_eq!(state.regions.len(), 1);
        // A snapshot (reopen, close) makes the document whole again.
        records.extend(live.snapshot("d"));
        replayed.apply_record(records.last().unwrap());
        assert_eq!(replayed.document("d"), live.document("d"));
    }
}
