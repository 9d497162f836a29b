//! Blocks for languages without a grammar here: a line that looks like a
//! definition (a keyword such as `def`, `class`, `function`, or a C-like
//! `type name(args)` header, its parameter list over as many lines as it
//! takes) starts a block; braces or, without them, indentation (plus a
//! closing `end`) say where it stops. Comments and annotations right above
//! the header are the block's. Containers (`class`, `struct`, `module`,
//! `namespace`, …) get their members too.
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
    // Swift and Dart.
    ("protocol", "interface"),
    ("extension", "impl"),
    ("mixin", "class"),
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
    // Where this block's comments may start: after the block before it.
    let mut floor = from;
    while i < to {
        let Some((keyword, kind, name)) = type_above_header(lines, i).or_else(|| header(lines[i]))
        else {
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
            start_line: leading_start(lines, i, floor) as u32,
            end_line: end as u32,
            definition_line: i as u32,
        });
        if is_container && end > i {
            scan(lines, i + 1, end, Some(&full_name), out);
        }
        i = end + 1;
        floor = i;
    }
}

/// The first line of the comments, annotations and attributes written
/// right above the header at `start` (no blank line between), not above
/// `floor`: they belong to the definition.
fn leading_start(lines: &[&str], start: usize, floor: usize) -> usize {
    let mut first = start;
    while first > floor {
        let above = lines[first - 1].trim();
        if above.ends_with("*/") {
            // A `/* … */` block: it must start a line of its own, or it ends a line of code.
            let Some(open) = (floor..first).rev().find(|&at| lines[at].contains("/*")) else {
                break;
            };
            if !lines[open].trim_start().starts_with("/*") {
                break;
            }
            first = open;
        } else if is_comment_or_attribute(above) {
            first -= 1;
        } else {
            break;
        }
    }
    first
}

/// `// …`, `# …` (not `#include`, `#!`), `-- …`, `@Annotation`, `#[attr]`,
/// `[Attribute]`, and C's attribute macros on a line of their own (`NORETURN`).
fn is_comment_or_attribute(line: &str) -> bool {
    if line.starts_with("//") || line.starts_with("#[") {
        return true;
    }
    // Lua, SQL, Haskell: `-- …`, `---@param`, `--[[ … ]]` (not C's `--i;`).
    if let Some(rest) = line.strip_prefix("--") {
        return rest.is_empty() || rest.starts_with([' ', '\t', '-', '[']);
    }
    let macro_like = line.len() > 1
        && line.starts_with(|c: char| c.is_ascii_uppercase())
        && line
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if macro_like || line.starts_with("__attribute__") {
        return true;
    }
    if let Some(rest) = line.strip_prefix('#') {
        return rest.is_empty() || rest.starts_with([' ', '\t', '#']);
    }
    if let Some(rest) = line.strip_prefix('@') {
        return rest.starts_with(|c: char| c.is_alphabetic());
    }
    line.starts_with('[') && line.ends_with(']') && !line.contains('=')
}

/// GNU and git.git style puts a C function's return type on a line of its
/// own: `static const struct userdiff_funcname *` / `diff_funcname_pattern(…)`.
/// Both lines start at column 0; the definition starts at the type.
fn type_above_header(lines: &[&str], at: usize) -> Option<(&'static str, &'static str, String)> {
    let (ty, next) = (lines[at], *lines.get(at + 1)?);
    let type_like = ty.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && !ty.contains(['(', ')', ';', '{', '}', '=', ',', ':', '"', '\''])
        && !ty.trim_end().ends_with('\\')
        && ty.split_whitespace().all(|w| {
            !NOT_DEFINITIONS.contains(&w)
                && !KEYWORDS
                    .iter()
                    .any(|(k, _)| *k == w && !matches!(w, "struct" | "enum"))
        });
    if !type_like || header(next).is_some() {
        return None;
    }
    let name_end = next.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    let name = &next[..name_end];
    let open = next[name_end..].trim_start().starts_with('(');
    // After the parameters: nothing, `{`, or attribute macros (`UNUSED`) — not prose.
    let after_parameters = match next.rfind(')') {
        Some(close) => next[close + 1..]
            .trim()
            .trim_end_matches('{')
            .split_whitespace()
            .all(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_')),
        None => next.trim_end().ends_with([',', '(']),
    };
    (open
        && after_parameters
        && !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !NOT_DEFINITIONS.contains(&name))
    .then(|| ("", "function", name.to_string()))
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
    // `struct foo *make_foo(…)`, `enum result parse(…)`: a C function returning a type.
    let returns_type = matches!(first, "struct" | "enum" | "union")
        && trimmed.find('(').is_some_and(|open| {
            let before = &trimmed[..open];
            let after_type = before
                .split_once(first)
                .map(|(_, rest)| rest.trim_start())
                .unwrap_or_default();
            let after_name =
                after_type.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
            after_name.contains(|c: char| c.is_alphanumeric() || c == '_')
                && !before.contains(['{', '='])
        });
    // `static struct style styles[] = {`: a variable, not a type.
    if matches!(first, "struct" | "enum" | "union") && trimmed.contains('=') {
        return None;
    }
    if let Some((_, kind)) = KEYWORDS
        .iter()
        .find(|(kw, _)| *kw == first)
        .filter(|_| !returns_type)
    {
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
/// follows the header within a few lines (before any `;`), else
/// indentation. The header runs until its parentheses close, however many
/// lines the parameter list takes (git.git's `builtin_diff` has nine).
fn extent(lines: &[&str], start: usize, to: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut parens = 0i32;
    let mut opened = false;
    // The line where the header's parentheses closed.
    let mut header_end = None;
    let mut state = Scan::Code;
    for (offset, line) in lines[start..to].iter().enumerate() {
        let at = start + offset;
        for token in braces(line, &mut state) {
            match token {
                Brace::OpenParen if !opened => parens += 1,
                Brace::CloseParen if !opened => parens = (parens - 1).max(0),
                Brace::OpenParen | Brace::CloseParen => {}
                // Braces inside the header's parentheses (default arguments, lambdas) open nothing.
                Brace::Open if !opened && parens > 0 => {}
                Brace::Close if !opened && parens > 0 => {}
                Brace::Open => {
                    depth += 1;
                    opened = true;
                }
                Brace::Close => depth -= 1,
                Brace::Semicolon if !opened && depth == 0 && parens == 0 => return None,
                Brace::Semicolon => {}
            }
            if opened && depth <= 0 {
                return Some(at);
            }
        }
        if opened {
            continue;
        }
        if parens > 0 {
            header_end = None;
            if offset >= MAX_HEADER_LINES {
                break;
            }
            continue;
        }
        let header_end = *header_end.get_or_insert(at);
        // The body's `{` follows the header closely (git.git leaves a blank
        // line at times; `throws …`, a C++ initialiser list), and never
        // after a Python-like `):`.
        let ends_header = at == header_end && line.trim_end().ends_with(':');
        if ends_header || at - header_end >= 4 {
            break;
        }
    }
    if opened {
        return Some(to - 1);
    }
    indentation_extent(lines, start, header_end.unwrap_or(start), to)
}

/// A parameter list longer than this is taken for something else.
const MAX_HEADER_LINES: usize = 60;

/// For `def f():` / `class A:` / Ruby `def f … end`: the lines after the
/// header (which ends at `header_end`) indented deeper, and a closing `end`.
fn indentation_extent(lines: &[&str], start: usize, header_end: usize, to: usize) -> Option<usize> {
    let indent = indent_of(lines[start]);
    let mut last = header_end;
    for (at, line) in lines.iter().enumerate().take(to).skip(header_end + 1) {
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
    (last > header_end || lines[header_end].trim_end().ends_with(':')).then_some(last)
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
    OpenParen,
    CloseParen,
    Semicolon,
}

/// Braces, parentheses and semicolons outside strings and comments, roughly.
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
            '(' => out.push(Brace::OpenParen),
            ')' => out.push(Brace::CloseParen),
            ';' => out.push(Brace::Semicolon),
            _ => {}
        }
    }
    out
}
