//! Blocks for languages without a grammar here: a line that looks like a
//! definition (a keyword such as `def`, `class`, `function`, or a C-like
//! `type name(args)` header) starts a block; braces or, without them,
//! indentation (plus a closing `end`) say where it stops. Containers
//! (`class`, `struct`, `module`, `namespace`, …) get their members too.
//! Deliberately rough: it must never panic and never claim a block that
//! is not a definition, but it may miss some.

use super::Block;

/// Keywords that start a definition, and the kind of block they make.
/// Modifiers (`public`, `static`, `export`, …) before them are skipped.
const KEYWORDS: &[(&str, &str)] = &[
    ("def", "function"),
    ("fn", "function"),
    ("fun", "function"),
    ("func", "function"),
    ("function", "function"),
    ("sub", "function"),
    ("proc", "function"),
    ("class", "class"),
    ("struct", "struct"),
    ("interface", "interface"),
    ("trait", "trait"),
    ("impl", "impl"),
    ("enum", "enum"),
    ("object", "class"),
    ("module", "module"),
    ("namespace", "module"),
    ("record", "class"),
];

const MODIFIERS: &[&str] = &[
    "public",
    "private",
    "protected",
    "internal",
    "static",
    "final",
    "abstract",
    "export",
    "default",
    "async",
    "override",
    "virtual",
    "inline",
    "extern",
    "pub",
    "open",
    "sealed",
    "data",
    "suspend",
    "partial",
    "unsafe",
    "const",
    "local",
    "friend",
    "synchronized",
    "native",
];

/// Words that look like a call header but never start a definition.
const NOT_DEFINITIONS: &[&str] = &[
    "if", "for", "while", "switch", "return", "else", "do", "catch", "try", "case", "new", "throw",
    "sizeof", "elif", "until", "unless", "foreach", "using", "lock", "with", "match", "when",
];

const CONTAINERS: &[&str] = &["class", "struct", "interface", "trait", "impl", "module"];

pub fn split(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    scan(&lines, 0, lines.len(), None, &mut out);
    out.sort_by_key(|b| (b.start_line, std::cmp::Reverse(b.end_line)));
    out
}

fn scan(lines: &[&str], from: usize, to: usize, container: Option<&str>, out: &mut Vec<Block>) {
    let mut i = from;
    while i < to {
        let Some((keyword, kind, name)) = header(lines[i]) else {
            i += 1;
            continue;
        };
        let Some(end) = extent(lines, i, to) else {
            i += 1;
            continue;
        };
        let full_name = match container {
            Some(c) => format!("{c}.{name}"),
            None => name.clone(),
        };
        let is_container = CONTAINERS.contains(&kind);
        let (kind, shown) = match (is_container, container) {
            (true, _) => (kind, format!("{keyword} {full_name}")),
            (false, Some(_)) => ("method", full_name.clone()),
            (false, None) => (kind, full_name.clone()),
        };
        out.push(Block {
            name: shown,
            kind: kind.to_string(),
            start_line: i as u32,
            end_line: end as u32,
        });
        if is_container && end > i {
            scan(lines, i + 1, end, Some(&full_name), out);
        }
        i = end + 1;
    }
}

/// `(keyword as written, kind, name)` when the line opens a definition.
fn header(line: &str) -> Option<(&str, &'static str, String)> {
    let trimmed = line.trim();
    if trimmed.is_empty()
        || trimmed.starts_with("//")
        || trimmed.starts_with('#')
        || trimmed.starts_with("/*")
        || trimmed.starts_with('*')
        || trimmed.starts_with("--")
        || trimmed.ends_with(';')
    {
        return None;
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let mut at = 0;
    while at < words.len() && MODIFIERS.contains(&words[at]) {
        at += 1;
    }
    let first = *words.get(at)?;
    if let Some((_, kind)) = KEYWORDS.iter().find(|(kw, _)| *kw == first) {
        let name = identifier_start(words.get(at + 1)?)?;
        // `class Foo` needs a name; `def` needs one too. Go's `func (r T) Name(` names after the receiver.
        let name = if first == "func" && words[at + 1].starts_with('(') {
            let after = trimmed.split_once(')')?.1;
            identifier_start(after.trim())?
        } else {
            name
        };
        return Some((first, kind, name));
    }
    // C-like: `type name(args) {` — an identifier right before the first `(`, with a type before it.
    let open = trimmed.find('(')?;
    let before = trimmed[..open].trim_end();
    // The byte after the last char that can't be in a name (which may be multi-byte).
    let name_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '~'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let name = &before[name_start..];
    let type_part = before[..name_start].trim();
    // Shell: `name() {` has no type before the name.
    let shell_function =
        type_part.is_empty() && trimmed[open..].replace(' ', "").starts_with("(){");
    if name.is_empty()
        || (type_part.is_empty() && !shell_function)
        || name.starts_with(|c: char| c.is_ascii_digit())
        || NOT_DEFINITIONS.contains(&name)
        || NOT_DEFINITIONS
            .iter()
            .any(|w| type_part.split_whitespace().next() == Some(w))
        || type_part.contains(['=', '.', '(', ')', ',', '"', '\''])
        || type_part.ends_with("return")
    {
        return None;
    }
    Some(("", "function", name.to_string()))
}

/// A leading identifier (letters, digits, `_`, `$`, `::`, `.`), stopping at punctuation.
fn identifier_start(text: &str) -> Option<String> {
    let end = text
        .find(|c: char| {
            !(c.is_alphanumeric()
                || c == '_'
                || c == '$'
                || c == ':'
                || c == '.'
                || c == '!'
                || c == '?')
        })
        .unwrap_or(text.len());
    let name = text[..end].trim_end_matches([':', '.']);
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then(|| name.to_string())
}

/// The last line of the block opened at `start`: balanced braces when a `{`
/// follows within a few lines (before any `;`), else indentation.
fn extent(lines: &[&str], start: usize, to: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut opened = false;
    let mut state = Scan::Code;
    for (offset, line) in lines[start..to].iter().enumerate() {
        let at = start + offset;
        for delta in braces(line, &mut state) {
            match delta {
                Brace::Open => {
                    depth += 1;
                    opened = true;
                }
                Brace::Close => depth -= 1,
                Brace::Semicolon if !opened && depth == 0 => return None,
                Brace::Semicolon => {}
            }
            if opened && depth <= 0 {
                return Some(at);
            }
        }
        if !opened && offset >= 4 {
            break;
        }
    }
    if opened {
        return Some(to - 1);
    }
    indentation_extent(lines, start, to)
}

/// For `def f():` / `class A:` / Ruby `def f … end`: the lines indented deeper, and a closing `end`.
fn indentation_extent(lines: &[&str], start: usize, to: usize) -> Option<usize> {
    let indent = indent_of(lines[start]);
    let mut last = start;
    for (at, line) in lines.iter().enumerate().take(to).skip(start + 1) {
        if line.trim().is_empty() {
            continue;
        }
        if indent_of(line) > indent {
            last = at;
            continue;
        }
        if line.trim() == "end" || line.trim_start().starts_with("end ") {
            return Some(at);
        }
        break;
    }
    (last > start || lines[start].trim_end().ends_with(':')).then_some(last)
}

fn indent_of(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

#[derive(Clone, Copy)]
enum Scan {
    Code,
    BlockComment,
}

enum Brace {
    Open,
    Close,
    Semicolon,
}

/// Braces and semicolons outside strings and comments, roughly.
fn braces(line: &str, state: &mut Scan) -> Vec<Brace> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Scan::BlockComment = state {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                *state = Scan::Code;
            }
            continue;
        }
        if let Some(q) = quote {
            if c == '\\' {
                chars.next();
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '`' => quote = Some(c),
            '\'' => {
                // A char literal is short; a lone apostrophe (Rust lifetimes, prose) is not a string.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("\\") || rest.chars().nth(1) == Some('\'') {
                    quote = Some('\'');
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                *state = Scan::BlockComment;
            }
            '{' => out.push(Brace::Open),
            '}' => out.push(Brace::Close),
            ';' => out.push(Brace::Semicolon),
            _ => {}
        }
    }
    out
}
