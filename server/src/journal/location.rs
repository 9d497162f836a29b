//! Where a workspace's journal and marks live. Plain std file-system walks:
//! this file finds the git dir itself (a `.git` folder, or a `.git` file with
//! `gitdir: …` for linked worktrees and submodules) and never opens a
//! repository, runs git or reads git config.

use std::fs;
use std::path::{Path, PathBuf};

/// The folder inside the git dir that holds the journal and the marks.
pub const GIT_SUBFOLDER: &str = "provenance";

/// The folder holding the journal of the workspace at `workspace_root`.
///
/// `override_dir` (from configuration) wins. Otherwise, inside a git work
/// tree: `<git-dir>/provenance/`, so the record stays with the repository,
/// is never committed and is gone when the clone is. Elsewhere: the per-user
/// data folder, `<data dir>/workspaces/<folder name>-<hash of the canonical
/// path>/`. `None` only when there is no git dir and no home folder.
pub fn journal_dir(workspace_root: &Path, override_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = override_dir {
        return Some(dir.to_path_buf());
    }
    let root = canonical_or_same(workspace_root);
    if let Some(git_dir) = git_dir(&root) {
        return Some(git_dir.join(GIT_SUBFOLDER));
    }
    let dirs = directories::ProjectDirs::from("", "", "provenance-ls")?;
    Some(
        dirs.data_dir()
            .join("workspaces")
            .join(workspace_folder_name(&root)),
    )
}

/// The git dir of the work tree containing `start` (a folder), walking up.
pub fn git_dir(start: &Path) -> Option<PathBuf> {
    let (tree, dot_git) = find_dot_git(start)?;
    resolve_dot_git(&tree, &dot_git)
}

/// The root of the git work tree containing `start` (a folder), walking up.
pub fn work_tree_root(start: &Path) -> Option<PathBuf> {
    let (tree, dot_git) = find_dot_git(start)?;
    resolve_dot_git(&tree, &dot_git).map(|_| tree)
}

fn find_dot_git(start: &Path) -> Option<(PathBuf, PathBuf)> {
    start.ancestors().find_map(|dir| {
        let dot_git = dir.join(".git");
        // A `.git` that is neither a folder nor a file (say a dangling link)
        // does not make a work tree; keep walking as git does.
        (dot_git.is_dir() || dot_git.is_file()).then(|| (dir.to_path_buf(), dot_git))
    })
}

fn resolve_dot_git(tree: &Path, dot_git: &Path) -> Option<PathBuf> {
    if dot_git.is_dir() {
        return Some(dot_git.to_path_buf());
    }
    // Linked worktrees and submodules: a file `gitdir: <path>`, the path
    // relative to the folder holding the file.
    let text = fs::read_to_string(dot_git).ok()?;
    let target = text
        .lines()
        .find_map(|line| line.strip_prefix("gitdir:"))?
        .trim();
    let dir = tree.join(target);
    dir.is_dir().then(|| canonical_or_same(&dir))
}

fn canonical_or_same(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `<last component>-<16 hex digits of FNV-1a 64 of the path>`: readable for
/// the user who looks in the folder, distinct for distinct paths, and stable
/// across builds (std's hasher is not promised to be).
pub fn workspace_folder_name(root: &Path) -> String {
    let text = root.to_string_lossy();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let name: String = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    if name.is_empty() {
        format!("{hash:016x}")
    } else {
        format!("{name}-{hash:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_folder_is_found_from_a_subfolder() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::create_dir_all(root.join("src/deep")).unwrap();
        let dir = journal_dir(&root.join("src/deep"), None).unwrap();
        assert_eq!(dir, root.join(".git/provenance"));
        assert_eq!(work_tree_root(&root.join("src/deep")), Some(root.clone()));
    }

    #[test]
    fn git_file_points_to_the_worktree_git_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        let real = root.join("main/.git/worktrees/feature");
        fs::create_dir_all(&real).unwrap();
        fs::create_dir_all(root.join("feature")).unwrap();
        fs::write(
            root.join("feature/.git"),
            "gitdir: ../main/.git/worktrees/feature\n",
        )
        .unwrap();
        let dir = journal_dir(&root.join("feature"), None).unwrap();
        assert_eq!(dir, real.join("provenance"));
        assert_eq!(
            work_tree_root(&root.join("feature")),
            Some(root.join("feature"))
        );
    }

    #[test]
    fn override_wins() {
        let dir = journal_dir(Path::new("/nowhere"), Some(Path::new("/custom"))).unwrap();
        assert_eq!(dir, PathBuf::from("/custom"));
    }

    #[test]
    fn outside_git_the_folder_name_is_readable_and_distinct() {
        let a = workspace_folder_name(Path::new("/home/ann/my project"));
        let b = workspace_folder_name(Path::new("/home/bob/my project"));
        assert!(a.starts_with("my_project-"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, workspace_folder_name(Path::new("/home/ann/my project")));
    }
}
