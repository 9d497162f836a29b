//! Edit traces recorded in a real Neovim and a real VS Code (tests/traces/,
//! format in its README.md) replayed through the real binary over stdio:
//! every didChange as the editor sent it, with no hints (an editor without
//! the shim), with the hints a perfect shim sends (from each step's kind), and
//! with the hints the real shim sent (Neovim: its recorded
//! `provenance/editSource`; VS Code: what the shim's table makes of each
//! change's recorded reason). After every step the server's
//! `provenance/regions` is compared char by char with the truth the step
//! kinds give, and the figures of docs/classification.md ("Figures on
//! real-editor traces") are asserted for each editor.

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

/// Who really wrote a char, from the step kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Truth {
    /// Text the file had when opened: nobody's insertion, not counted.
    Original,
    Human,
    Pasted,
    /// An accepted completion; `multi_line` when it inserted a line break.
    Completion {
        multi_line: bool,
    },
    /// An agent's edit.
    Agent,
    /// Text the file got on disk from elsewhere (a reload): nobody the
    /// editor saw, not counted.
    External,
}

impl Truth {
    fn is_ai(self) -> bool {
        matches!(self, Truth::Completion { .. } | Truth::Agent)
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Hints {
    None,
    /// What a shim that knows every step's kind sends.
    Perfect,
    /// The `provenance/editSource` notifications the real shim sent.
    Recorded,
}

#[derive(Default, Debug, Clone, Copy)]
struct Figures {
    human: usize,
    human_marked: usize,
    multi_line_completion: usize,
    multi_line_completion_marked: usize,
    /// chars the truth says are completion/agent, and of those marked so
    ai: usize,
    ai_found: usize,
    /// of those, the chars an agent wrote, and of those marked completion/agent
    agent: usize,
    agent_found: usize,
    /// chars marked completion/agent, and of those really so
    marked_ai: usize,
    marked_ai_right: usize,
}

impl Figures {
    fn add(&mut self, o: Figures) {
        self.human += o.human;
        self.human_marked += o.human_marked;
        self.multi_line_completion += o.multi_line_completion;
        self.multi_line_completion_marked += o.multi_line_completion_marked;
        self.ai += o.ai;
        self.ai_found += o.ai_found;
        self.agent += o.agent;
        self.agent_found += o.agent_found;
        self.marked_ai += o.marked_ai;
        self.marked_ai_right += o.marked_ai_right;
    }
    fn human_marked_share(&self) -> f64 {
        ratio(self.human_marked, self.human)
    }
    fn multi_line_marked_share(&self) -> f64 {
        ratio(
            self.multi_line_completion_marked,
            self.multi_line_completion,
        )
    }
    fn precision(&self) -> f64 {
        ratio(self.marked_ai_right, self.marked_ai)
    }
    fn recall(&self) -> f64 {
        ratio(self.ai_found, self.ai)
    }
    fn completion_recall(&self) -> f64 {
        ratio(self.ai_found - self.agent_found, self.ai - self.agent)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn traces() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/traces");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/traces")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no traces in {}", dir.display());
    files
}

fn read_trace(path: &PathBuf) -> Vec<Value> {
    fs::read_to_string(path)
        .expect("trace")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("trace line"))
        .collect()
}

/// Char offset of an LSP position in `text` (`utf-8`, `utf-16` or `utf-32`).
fn offset(text: &[char], position: &Value, encoding: &str) -> usize {
    let line = position["line"].as_u64().expect("line") as usize;
    let character = position["character"].as_u64().expect("character") as usize;
    let mut at = 0;
    for _ in 0..line {
        match text[at..].iter().position(|&c| c == '\n') {
            Some(i) => at += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    while at < text.len() && text[at] != '\n' && units < character {
        units += match encoding {
            "utf-8" => text[at].len_utf8(),
            "utf-16" => text[at].len_utf16(),
            _ => 1,
        };
        at += 1;
    }
    at
}

/// The positions of `new` that an LCS keeps from `old` (index in `old`).
fn kept(old: &[char], new: &[char]) -> Vec<Option<usize>> {
    let (n, m) = (old.len(), new.len());
    let mut keep = vec![None; m];
    if n == 0 || m == 0 || n * m > 4_000_000 {
        return keep;
    }
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if old[i] == new[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if old[i] == new[j] {
            keep[j] = Some(i);
            i += 1;
            j += 1;
        } else if lcs[at(i + 1, j)] >= lcs[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    keep
}

/// The text and the truth of every char, followed through the trace.
struct LabelledText {
    text: Vec<char>,
    truth: Vec<Truth>,
    /// (text, truth) after every change batch, to label undo and redo.
    history: Vec<(Vec<char>, Vec<Truth>)>,
    /// Text deleted recently, with its truth, to label moves.
    deleted: Vec<(Vec<char>, Vec<Truth>)>,
}

impl LabelledText {
    fn new(text: &str) -> LabelledText {
        let text: Vec<char> = text.chars().collect();
        let truth = vec![Truth::Original; text.len()];
        LabelledText {
            history: vec![(text.clone(), truth.clone())],
            text,
            truth,
            deleted: Vec::new(),
        }
    }

    fn apply(&mut self, kind: &str, changes: &[Value], encoding: &str) {
        if kind == "move" {
            // VS Code sends a line move as an insertion and a deletion in
            // either order: know every text the batch deletes first
            let mut dry = LabelledText {
                text: self.text.clone(),
                truth: self.truth.clone(),
                history: Vec::new(),
                deleted: Vec::new(),
            };
            dry.apply("delete", changes, encoding);
            self.deleted.extend(dry.deleted);
        }
        for change in changes {
            let inserted: Vec<char> = change["text"].as_str().expect("text").chars().collect();
            let (a, b) = match change.get("range") {
                Some(range) => (
                    offset(&self.text, &range["start"], encoding),
                    offset(&self.text, &range["end"], encoding),
                ),
                None => (0, self.text.len()),
            };
            let (a, b) = (a.min(b), a.max(b));
            let old = self.text[a..b].to_vec();
            let keep = kept(&old, &inserted);
            let fresh: Vec<char> = inserted
                .iter()
                .zip(&keep)
                .filter(|(_, k)| k.is_none())
                .map(|(c, _)| *c)
                .collect();
            let gone: Vec<usize> = (0..old.len())
                .filter(|i| !keep.contains(&Some(*i)))
                .collect();
            if !gone.is_empty() {
                self.deleted.push((
                    gone.iter().map(|&i| old[i]).collect(),
                    gone.iter().map(|&i| self.truth[a + i]).collect(),
                ));
            }
            // A moved line comes back whole, or with its line break in front
            // ("X\n" deleted, "\nX" inserted after the line above: VS Code)
            let moved = (kind == "move")
                .then(|| {
                    self.deleted.iter().rev().find_map(|(t, truth)| {
                        if *t == fresh {
                            return Some(truth.clone());
                        }
                        let mut rotated = t.clone();
                        let mut rotated_truth = truth.clone();
                        rotated.rotate_right(1);
                        rotated_truth.rotate_right(1);
                        (t.last() == Some(&'\n') && rotated == fresh).then_some(rotated_truth)
                    })
                })
                .flatten();
            let fresh_truth = |n: usize| match kind {
                "completion" => Truth::Completion {
                    multi_line: inserted.contains(&'\n'),
                },
                "agent" => Truth::Agent,
                "pasted" => Truth::Pasted,
                "reload" => Truth::External,
                "move" => moved.as_ref().map_or(Truth::Pasted, |t| t[n]),
                _ => Truth::Human,
            };
            let mut n = 0;
            let truth: Vec<Truth> = keep
                .iter()
                .map(|k| match k {
                    Some(i) => self.truth[a + i],
                    None => {
                        n += 1;
                        fresh_truth(n - 1)
                    }
                })
                .collect();
            self.text.splice(a..b, inserted);
            self.truth.splice(a..b, truth);
        }
        if kind == "undo" || kind == "redo" {
            // undo and redo restore an earlier text exactly: it had this
            // truth then
            if let Some((_, truth)) = self.history.iter().rev().find(|(t, _)| *t == self.text) {
                self.truth = truth.clone();
            }
        }
        self.history.push((self.text.clone(), self.truth.clone()));
    }

    /// Figures for the server's regions now.
    fn compare(&self, regions: &Value, encoding: &str) -> Figures {
        let mut marked: Vec<Option<String>> = vec![None; self.text.len()];
        for region in regions["regions"].as_array().expect("regions") {
            let source = region["source"].as_str().expect("source").to_string();
            for span in region["spans"].as_array().expect("spans") {
                let a = offset(&self.text, &span["start"], encoding);
                let b = offset(&self.text, &span["end"], encoding);
                for slot in &mut marked[a..b] {
                    *slot = Some(source.clone());
                }
            }
        }
        if std::env::var_os("TRACE_DEBUG").is_some() {
            let wrong: String = self
                .truth
                .iter()
                .zip(&marked)
                .zip(&self.text)
                .map(|((t, m), c)| {
                    let ai_mark = matches!(m.as_deref(), Some("completion" | "agent"));
                    match t {
                        t if t.is_ai() && !ai_mark => '_',
                        Truth::Human if m.is_some() => '#',
                        _ if *c == '\n' => '\n',
                        _ => '.',
                    }
                })
                .collect();
            if wrong.contains(['#', '_']) {
                eprintln!(
                    "--- text\n{}\n--- # human marked, _ completion missed\n{wrong}",
                    self.text.iter().collect::<String>()
                );
            }
        }
        let mut f = Figures::default();
        for (truth, mark) in self.truth.iter().zip(&marked) {
            let is_ai_mark = matches!(mark.as_deref(), Some("completion" | "agent"));
            match truth {
                Truth::Human => {
                    f.human += 1;
                    f.human_marked += mark.is_some() as usize;
                }
                Truth::Completion { .. } | Truth::Agent => {
                    f.ai += 1;
                    f.ai_found += is_ai_mark as usize;
                    if *truth == Truth::Agent {
                        f.agent += 1;
                        f.agent_found += is_ai_mark as usize;
                    }
                    if *truth == (Truth::Completion { multi_line: true }) {
                        f.multi_line_completion += 1;
                        f.multi_line_completion_marked += mark.is_some() as usize;
                    }
                }
                Truth::Original | Truth::Pasted | Truth::External => {}
            }
            if is_ai_mark {
                f.marked_ai += 1;
                f.marked_ai_right += truth.is_ai() as usize;
            }
        }
        f
    }
}

/// The hint a shim that knows each step's kind sends for it.
fn perfect_hint(kind: &str) -> Option<(&'static str, Option<&'static str>)> {
    match kind {
        "completion" => Some(("completion", Some("stub-ai"))),
        "agent" => Some(("agent", Some("stub-agent"))),
        "pasted" | "move" => Some(("pasted", None)),
        "undo" | "redo" => Some(("undo", None)),
        "reload" => Some(("reload", None)),
        "format" => Some(("format", None)),
        _ => None,
    }
}

/// The hint the VS Code shim sends for a change VS Code gave this reason
/// (recorded in the trace): editors/vscode/src/editReasons.ts's table, with
/// undo and redo as VS Code's stable event tells them.
fn vscode_shim_hint(reason: &Value) -> Option<(&'static str, Option<String>)> {
    if reason["undo"] == true || reason["redo"] == true {
        return Some(("undo", None));
    }
    let meta = &reason["metadata"];
    let provider = meta["$extensionId"]
        .as_str()
        .or(meta["$providerId"].as_str())
        .map(str::to_string);
    match reason["source"].as_str()? {
        "inlineCompletionAccept" | "inlineCompletionPartialAccept" => {
            Some(("completion", provider))
        }
        "Chat.applyEdits" => Some(("agent", provider.or(Some("vscode-chat".into())))),
        "inlineChat.applyEdits" => Some(("agent", provider.or(Some("vscode-inline-chat".into())))),
        "Chat.undoEdits" | "Chat.reset" => Some(("undo", None)),
        "reloadFromDisk" | "setValue" => Some(("reload", None)),
        "codeAction" | "rename" => Some(("refactor", None)),
        "cursor" if meta["kind"] == "paste" => Some(("pasted", None)),
        "cursor" | "suggest" | "snippet" => Some(("typed", None)),
        "unknown"
            if meta["name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains("format")) =>
        {
            Some(("format", None))
        }
        _ => None,
    }
}

/// Replays one trace; returns the figures summed over every step.
fn replay(path: &PathBuf, hints: Hints) -> Figures {
    let lines = read_trace(path);
    let open = &lines[0]["params"];
    assert_eq!(lines[0]["method"], "textDocument/didOpen");
    let encoding = open["positionEncoding"].as_str().unwrap_or("utf-16");
    let rel = open["path"].as_str().expect("path");
    let text = open["textDocument"]["text"].as_str().expect("text");
    let language = open["textDocument"]["languageId"].as_str().unwrap_or("");

    let mut repo = Repo::new();
    repo.write(rel, text);
    repo.commit("start");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize_with(
        &repo.path(),
        json!({}),
        json!({"general": {"positionEncodings": [encoding]}}),
    );
    let uri = file_uri(&repo.file(rel));
    client.open(&uri, language, 0, text);

    let mut truth = LabelledText::new(text);
    let mut total = Figures::default();
    let mut per_kind: HashMap<String, usize> = HashMap::new();
    for (i, line) in lines.iter().enumerate().skip(1) {
        let kind = line["kind"].as_str().expect("kind");
        let mut params = line["params"].clone();
        params["textDocument"]["uri"] = json!(uri);
        match line["method"].as_str().expect("method") {
            "provenance/editSource" => {
                if hints == Hints::Recorded {
                    client.notify("provenance/editSource", params);
                }
            }
            "textDocument/didChange" => {
                let version = params["textDocument"]["version"].as_i64().expect("version");
                if hints == Hints::Perfect {
                    if let Some((source, agent)) = perfect_hint(kind) {
                        client.edit_source(&uri, version as i32, source, agent);
                    }
                }
                // Only VS Code traces record each change's reason.
                if hints == Hints::Recorded && line.get("reason").is_some() {
                    if let Some((source, agent)) = vscode_shim_hint(&line["reason"]) {
                        client.edit_source(&uri, version as i32, source, agent.as_deref());
                    }
                }
                truth.apply(
                    kind,
                    params["contentChanges"].as_array().expect("changes"),
                    encoding,
                );
                client.notify("textDocument/didChange", params);
            }
            other => panic!("unexpected {other} in {}", path.display()),
        }
        let step_ends = lines
            .get(i + 1)
            .is_none_or(|next| next["step"] != line["step"]);
        if step_ends {
            let regions = client.regions(&uri);
            client.drain();
            let figures = truth.compare(&regions, encoding);
            *per_kind.entry(kind.to_string()).or_default() += figures.human_marked;
            total.add(figures);
        }
    }
    eprintln!(
        "{} {hints:?}: human marked {}/{} = {:.4}; multi-line completion marked {}/{} = {:.3}; \
         completion precision {}/{} = {:.3}, recall {}/{} = {:.3}; human marks by step kind {per_kind:?}",
        path.file_name().unwrap().to_string_lossy(),
        total.human_marked,
        total.human,
        total.human_marked_share(),
        total.multi_line_completion_marked,
        total.multi_line_completion,
        total.multi_line_marked_share(),
        total.marked_ai_right,
        total.marked_ai,
        total.precision(),
        total.ai_found,
        total.ai,
        total.recall(),
    );
    total
}

/// The figures of every trace, summed per editor (the file name's prefix:
/// `nvim`, `vscode`).
fn replay_all(hints: Hints) -> Vec<(String, Figures)> {
    let mut per_editor: Vec<(String, Figures)> = Vec::new();
    for path in traces() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let editor = name.split('-').next().unwrap_or(&name).to_string();
        let f = replay(&path, hints);
        match per_editor.iter_mut().find(|(e, _)| *e == editor) {
            Some((_, total)) => total.add(f),
            None => per_editor.push((editor, f)),
        }
    }
    for (editor, f) in &per_editor {
        eprintln!(
            "{editor} {hints:?}: human marked {:.4}, multi-line completion marked {:.3}, \
             completion/agent precision {:.3}, recall {:.3} (completion {:.3}, agent {}/{})",
            f.human_marked_share(),
            f.multi_line_marked_share(),
            f.precision(),
            f.recall(),
            f.completion_recall(),
            f.agent_found,
            f.agent,
        );
    }
    assert!(
        per_editor.len() >= 2,
        "traces of both editors: {per_editor:?}"
    );
    per_editor
}

#[test]
fn without_hints_few_human_chars_are_marked_and_multi_line_completions_are() {
    for (editor, f) in replay_all(Hints::None) {
        assert!(
            f.human > 1000 && f.multi_line_completion > 1000,
            "{editor}: {f:?}"
        );
        assert!(f.human_marked_share() <= 0.01, "{editor}: {f:?}");
        assert!(f.multi_line_marked_share() >= 0.9, "{editor}: {f:?}");
    }
}

#[test]
fn with_perfect_hints_completion_marks_are_precise_and_complete() {
    for (editor, f) in replay_all(Hints::Perfect) {
        assert!(f.ai > 1000, "{editor}: {f:?}");
        assert!(f.precision() >= 0.95, "{editor}: {f:?}");
        assert!(f.recall() >= 0.95, "{editor}: {f:?}");
        assert!(f.human_marked_share() <= 0.01, "{editor}: {f:?}");
    }
}

/// What the real shims send. VS Code names an agent only when it is its own
/// chat (`Chat.applyEdits`); the recorded agent, an extension applying a
/// `WorkspaceEdit`, comes as `unknown`, so only the completions must be found
/// there.
#[test]
fn with_the_hints_the_real_shims_send_completion_marks_are_precise_and_complete() {
    for (editor, f) in replay_all(Hints::Recorded) {
        assert!(f.precision() >= 0.95, "{editor}: {f:?}");
        assert!(f.completion_recall() >= 0.95, "{editor}: {f:?}");
        if editor != "vscode" {
            assert!(f.recall() >= 0.95, "{editor}: {f:?}");
        }
    }
}
