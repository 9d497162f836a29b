//! The risk model a `backtest` of the present left with the history
//! (`<git dir>/provenance/cache/risk-model.json`): the weights it fitted or
//! fell back to, the AUC of their check, its date and lift. `blocks`, the
//! report and hover read it from here, so every place scores with the same
//! weights and says how well they did. A file beside the other history
//! caches; no git is read.

use std::path::{Path, PathBuf};

use crate::blocks::{RiskModel, Weights, DEFAULT_WEIGHTS};

/// Where the model of the repository whose git directory is `git_dir` is kept.
pub fn model_file(git_dir: &Path) -> PathBuf {
    git_dir
        .join("provenance")
        .join("cache")
        .join("risk-model.json")
}

/// The model `backtest` stored for the repository whose git directory is
/// `git_dir`; `None` when it never ran there (or the file is unreadable).
pub fn cached_model(git_dir: &Path) -> Option<RiskModel> {
    let text = std::fs::read_to_string(model_file(git_dir)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The weights to score with: the cached model's, or the defaults.
pub fn cached_weights(git_dir: &Path) -> Weights {
    cached_model(git_dir).map_or(DEFAULT_WEIGHTS, |m| m.weights())
}

/// Keeps `model` as the repository's (replacing the one before).
pub fn store_model(git_dir: &Path, model: &RiskModel) -> std::io::Result<()> {
    let path = model_file(git_dir);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(model).map_err(std::io::Error::other)?;
    // Written whole then renamed: a reader never sees half a model.
    let part = path.with_extension("json.part");
    std::fs::write(&part, text)?;
    std::fs::rename(part, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::named_weights;

    #[test]
    fn a_stored_model_is_read_back_and_scored_with() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(cached_model(dir.path()), None);
        assert_eq!(cached_weights(dir.path()), DEFAULT_WEIGHTS);
        let mut weights = [0.0; crate::blocks::FACTORS.len()];
        weights[0] = 100.0;
        let model = RiskModel {
            weights: named_weights(&weights),
            source: "fitted".into(),
            checked_at: 1_700_000_000,
            horizon_days: 180,
            check_auc: Some(0.81),
            high_vs_rest: Some(3.1),
            commits_auc: Some(0.7),
            size_auc: None,
            blocks: 120,
            fixed_blocks: 12,
        };
        store_model(dir.path(), &model).unwrap();
        assert_eq!(cached_model(dir.path()), Some(model));
        assert_eq!(cached_weights(dir.path()), weights);
    }
}
