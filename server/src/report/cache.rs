//! The report cache under `<git-dir>/provenance/cache/report/`: the state
//! at the HEAD of the last run, so that the next run walks only the
//! commits that came after it.

use std::path::Path;

use super::lives::Lives;
use super::walk::CommitId;
use super::GroupBy;

/// What a cached state depends on besides the commits.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub since: Option<i64>,
    pub until_given: bool,
    pub include_bots: bool,
    pub by: Option<GroupBy>,
}

pub struct Cached {
    pub tip: CommitId,
    pub lives: Lives,
}

pub fn load(_dir: &Path, _key: &Key) -> Option<Cached> {
    None
}

pub fn store(_dir: &Path, _key: &Key, _tip: CommitId, _lives: &Lives) -> std::io::Result<()> {
    Ok(())
}
