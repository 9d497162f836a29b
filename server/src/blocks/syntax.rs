//! Blocks from a tree-sitter parse for Rust, Python, JavaScript, TypeScript
//! (and TSX), Go, C, C++, Java, C#, Ruby, PHP, Bash, Lua and Kotlin. Each
//! language is one `classify` function: which node kinds are blocks, how
//! they are named, and which containers (impls, classes, traits, modules,
//! namespaces) hold blocks of their own. Every block takes in the comments, attributes and
//! annotations right above it (`leading_start`). Never recurses into a
//! function body: closures and nested helpers belong to their function.

use tree_sitter::{Language, Node, Parser};

use super::Block;

/// The grammars provenance-ls knows, by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    Rust,
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    C,
    Cpp,
    Java,
    CSharp,
    Ruby,
    Php,
    Bash,
    Lua,
    Kotlin,
}

impl Grammar {
    pub fn for_extension(extension: &str) -> Option<Grammar> {
        Some(match extension.to_ascii_lowercase().as_str() {
            "rs" => Grammar::Rust,
            "py" | "pyi" | "pyw" => Grammar::Python,
            "js" | "mjs" | "cjs" | "jsx" => Grammar::JavaScript,
            "ts" | "mts" | "cts" => Grammar::TypeScript,
            "tsx" => Grammar::Tsx,
            "go" => Grammar::Go,
            "c" => Grammar::C,
            // `.h` is C or C++; the C++ grammar reads both (C++ is near enough a superset).
            "h" | "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" | "h++" | "ipp" | "tpp" => {
                Grammar::Cpp
            }
            "java" => Grammar::Java,
            "cs" => Grammar::CSharp,
            "rb" | "rake" | "gemspec" => Grammar::Ruby,
            "php" | "phtml" => Grammar::Php,
            "sh" | "bash" => Grammar::Bash,
            "lua" => Grammar::Lua,
            "kt" | "kts" => Grammar::Kotlin,
            _ => return None,
        })
    }

    fn language(self) -> Language {
        match self {
            Grammar::Rust => tree_sitter_rust::LANGUAGE.into(),
            Grammar::Python => tree_sitter_python::LANGUAGE.into(),
            Grammar::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Grammar::Go => tree_sitter_go::LANGUAGE.into(),
            Grammar::C => tree_sitter_c::LANGUAGE.into(),
            Grammar::Cpp => tree_sitter_cpp::LANGUAGE.into(),
            Grammar::Java => tree_sitter_java::LANGUAGE.into(),
            Grammar::CSharp => tree_sitter_c_sharp::LANGUAGE.into(),
            Grammar::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            Grammar::Php => tree_sitter_php::LANGUAGE_PHP.into(),
            Grammar::Bash => tree_sitter_bash::LANGUAGE.into(),
            Grammar::Lua => tree_sitter_lua::LANGUAGE.into(),
            Grammar::Kotlin => tree_sitter_kotlin_ng::LANGUAGE.into(),
        }
    }
}

/// What a node is, when it is a block.
struct Item<'t> {
    kind: &'static str,
    name: String,
    /// For containers: the node whose children are members, and the prefix they take.
    members: Option<(Node<'t>, String)>,
    /// Whether functions inside are methods (impls, classes, traits) or not (modules, namespaces).
    holds_methods: bool,
}

impl<'t> Item<'t> {
    /// A block with no members.
    fn leaf(kind: &'static str, name: String) -> Item<'t> {
        Item {
            kind,
            name,
            members: None,
            holds_methods: false,
        }
    }

    /// A function, or a method when it is a member of a type.
    fn function(in_type: bool, name: String) -> Item<'t> {
        Item::leaf(if in_type { "method" } else { "function" }, name)
    }
}

/// The blocks of `text`; `None` when the parser could not run.
pub fn split(grammar: Grammar, text: &str) -> Option<Vec<Block>> {
    let mut parser = Parser::new();
    parser.set_language(&grammar.language()).ok()?;
    let tree = parser.parse(text, None)?;
    let mut out = Vec::new();
    collect(grammar, tree.root_node(), text.as_bytes(), None, &mut out);
    out.sort_by_key(|b| (b.start_line, std::cmp::Reverse(b.end_line)));
    Some(out)
}

/// `container`: the name prefix of the enclosing container and whether it holds methods.
fn collect(
    grammar: Grammar,
    parent: Node<'_>,
    src: &[u8],
    container: Option<(&str, bool)>,
    out: &mut Vec<Block>,
) {
    let mut cursor = parent.walk();
    for child in parent.named_children(&mut cursor) {
        // `#ifdef`, `extern "C" {}`, a Java enum's members: items inside belong to the level around.
        if transparent(grammar, child.kind()) {
            collect(grammar, child, src, container, out);
            continue;
        }
        // A wrapper (decorators, `export`, `template <…>`) gives its range to the item it wraps.
        let (outer, inner) = unwrap(grammar, child);
        for (node, item) in classify(
            grammar,
            inner,
            src,
            container.map(|c| c.0),
            container.is_some_and(|c| c.1),
        ) {
            let range_node = if node == inner { outer } else { node };
            out.push(Block {
                name: item.name,
                kind: item.kind.to_string(),
                start_line: leading_start(range_node, src),
                end_line: end_row(range_node),
                definition_line: definition_row(node),
            });
            if let Some((body, prefix)) = item.members {
                collect(grammar, body, src, Some((&prefix, item.holds_methods)), out);
            }
        }
    }
}

/// Nodes that group items without being one.
fn transparent(grammar: Grammar, kind: &str) -> bool {
    // A parse error (an unbalanced `#if`, a macro the grammar cannot read)
    // can wrap the rest of the file: the items inside are still items.
    if kind == "ERROR" {
        return true;
    }
    match grammar {
        Grammar::C | Grammar::Cpp => matches!(
            kind,
            "preproc_if"
                | "preproc_ifdef"
                | "preproc_else"
                | "preproc_elif"
                | "preproc_elifdef"
                | "linkage_specification"
                | "declaration_list"
        ),
        Grammar::Java => kind == "enum_body_declarations",
        // git's shell libraries define functions per platform: `if …; then f() {…}; fi`,
        // `case $(uname -s) in *MINGW*) sort () {…} ;; esac`.
        Grammar::Bash => matches!(
            kind,
            "if_statement" | "elif_clause" | "else_clause" | "case_statement" | "case_item"
        ),
        _ => false,
    }
}

/// The first row of `node` with the doc comments, attributes and
/// annotations written right above it (no blank line between): they are
/// part of the item, so hovering them gives the item and its lens sits
/// above them. A comment that ends a line of code before it (`x; // …`)
/// or opens the file's or module's own docs (`//!`) is not.
fn leading_start(node: Node<'_>, src: &[u8]) -> u32 {
    let mut start = node.start_position().row;
    let mut at = node;
    while let Some(before) = preceding(at) {
        if !is_leading_trivia(before, src) || end_row(before) as usize + 1 < start {
            break;
        }
        // A trailing comment shares its first line with the code before it.
        let shares_line = before
            .prev_sibling()
            .is_some_and(|code| end_row(code) as usize == before.start_position().row)
            || (before.prev_sibling().is_none()
                && before.parent().is_some_and(|p| {
                    p.start_byte() < before.start_byte()
                        && p.start_position().row == before.start_position().row
                }));
        if shares_line {
            break;
        }
        start = before.start_position().row;
        at = before;
    }
    start as u32
}

/// The row of the item's own header: the first line of `node` past the
/// comments, attributes, annotations and decorators it opens with (Java's
/// `@Override` and Kotlin's annotations sit in its `modifiers`, C#'s
/// `[Test]` and TypeScript's decorators are its children; Rust's and
/// Python's are siblings or a wrapper, already outside `node`).
fn definition_row(node: Node<'_>) -> u32 {
    fn first_code_row(node: Node<'_>) -> Option<usize> {
        if is_decoration(node.kind()) {
            return None;
        }
        if matches!(node.kind(), "modifiers" | "modifier_list") {
            let mut cursor = node.walk();
            return node.children(&mut cursor).find_map(first_code_row);
        }
        Some(node.start_position().row)
    }
    let mut cursor = node.walk();
    let row = node.children(&mut cursor).find_map(first_code_row);
    row.unwrap_or(node.start_position().row) as u32
}

/// Comments and the attribute-like nodes of every grammar here.
fn is_decoration(kind: &str) -> bool {
    matches!(
        kind,
        "comment"
            | "line_comment"
            | "block_comment"
            | "attribute_item"
            | "attribute_list"
            | "attribute"
            | "decorator"
            | "annotation"
            | "marker_annotation"
            | "file_annotation"
    )
}

/// The named node right before `node` in the text: its previous sibling, or,
/// when `node` opens a wrapper that starts where it does (Ruby's
/// `body_statement`), the wrapper's.
fn preceding(node: Node<'_>) -> Option<Node<'_>> {
    let mut at = node;
    loop {
        if let Some(before) = at.prev_named_sibling() {
            return Some(before);
        }
        let parent = at.parent()?;
        if parent.start_byte() != at.start_byte() || at.prev_sibling().is_some() {
            return None;
        }
        at = parent;
    }
}

fn is_leading_trivia(node: Node<'_>, src: &[u8]) -> bool {
    match node.kind() {
        "comment" | "line_comment" | "block_comment" => {
            let text = text(node, src);
            !(text.starts_with("//!") || text.starts_with("/*!") || text.starts_with("#!"))
        }
        "attribute_item" | "attribute_list" | "decorator" | "annotation" | "marker_annotation" => {
            true
        }
        _ => false,
    }
}

/// The last row that holds text of the node (an end at column 0 belongs to the previous line).
fn end_row(node: Node<'_>) -> u32 {
    let end = node.end_position();
    let row = if end.column == 0 && end.row > node.start_position().row {
        end.row - 1
    } else {
        end.row
    };
    row as u32
}

fn unwrap(grammar: Grammar, node: Node<'_>) -> (Node<'_>, Node<'_>) {
    let script = matches!(
        grammar,
        Grammar::JavaScript | Grammar::TypeScript | Grammar::Tsx
    );
    let inner = match node.kind() {
        "decorated_definition" if grammar == Grammar::Python => {
            node.child_by_field_name("definition")
        }
        // `export function f`, `export default class {}`.
        "export_statement" if script => node
            .child_by_field_name("declaration")
            .or_else(|| node.child_by_field_name("value")),
        // `template <typename T> T max(T a, T b) {…}`: the template line is the item's.
        "template_declaration" if grammar == Grammar::Cpp => {
            let mut cursor = node.walk();
            let last = node.named_children(&mut cursor).last();
            last.map(|inner| unwrap(grammar, inner).1)
        }
        // `f () { … } 7>&2 2>&4` (git's test-lib): the redirections are the function's.
        "redirected_statement" if grammar == Grammar::Bash => node
            .child_by_field_name("body")
            .filter(|body| body.kind() == "function_definition"),
        // TypeScript parses `namespace N {}` as a statement around the module.
        "expression_statement" if script => node
            .named_child(0)
            .filter(|n| matches!(n.kind(), "internal_module" | "module")),
        _ => None,
    };
    (node, inner.unwrap_or(node))
}

fn text<'s>(node: Node<'_>, src: &'s [u8]) -> &'s str {
    node.utf8_text(src).unwrap_or_default()
}

fn field_text<'s>(node: Node<'_>, field: &str, src: &'s [u8]) -> Option<&'s str> {
    node.child_by_field_name(field).map(|n| text(n, src))
}

/// `Foo<T>` → `Foo`; `*Foo` → `Foo`; `[T]` stays (nothing sensible to strip).
fn bare_type(name: &str) -> &str {
    let name = name.trim().trim_start_matches(['*', '&']);
    let end = name
        .find(['<', '['])
        .filter(|&i| i > 0)
        .unwrap_or(name.len());
    name[..end].trim()
}

fn member(container: Option<&str>, separator: &str, name: &str) -> String {
    match container {
        Some(c) if !c.is_empty() => format!("{c}{separator}{name}"),
        _ => name.to_string(),
    }
}

/// Collapses whitespace so multi-line headers read on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn classify<'t>(
    grammar: Grammar,
    node: Node<'t>,
    src: &[u8],
    container: Option<&str>,
    in_type: bool,
) -> Vec<(Node<'t>, Item<'t>)> {
    let single = |item: Option<Item<'t>>| item.map(|i| vec![(node, i)]).unwrap_or_default();
    match grammar {
        Grammar::Rust => single(rust(node, src, container, in_type)),
        Grammar::Python => single(python(node, src, container, in_type)),
        Grammar::JavaScript | Grammar::TypeScript | Grammar::Tsx => script(node, src, container),
        Grammar::Go => go(node, src),
        Grammar::C | Grammar::Cpp => single(c_family(node, src, container, in_type)),
        Grammar::Java => single(java(node, src, container, in_type)),
        Grammar::CSharp => single(csharp(node, src, container, in_type)),
        Grammar::Ruby => single(ruby(node, src, container)),
        Grammar::Php => single(php(node, src, container, in_type)),
        Grammar::Bash => single(bash(node, src)),
        Grammar::Lua => single(lua(node, src)),
        Grammar::Kotlin => single(kotlin(node, src, container, in_type)),
    }
}

fn rust<'t>(
    node: Node<'t>,
    src: &[u8],
    container: Option<&str>,
    in_type: bool,
) -> Option<Item<'t>> {
    let name = || field_text(node, "name", src).unwrap_or("_");
    let plain = |kind: &'static str, keyword: &str| {
        Item::leaf(
            kind,
            member(container, "::", &format!("{keyword} {}", name())),
        )
    };
    Some(match node.kind() {
        "function_item" => Item::function(in_type, member(container, "::", name())),
        "impl_item" => {
            let ty = one_line(field_text(node, "type", src)?);
            let name = match field_text(node, "trait", src) {
                Some(tr) => format!("impl {} for {ty}", one_line(tr)),
                None => format!("impl {ty}"),
            };
            Item {
                kind: "impl",
                name,
                holds_methods: true,
                members: node
                    .child_by_field_name("body")
                    .map(|body| (body, member(container, "::", bare_type(&ty)))),
            }
        }
        "trait_item" => Item {
            kind: "trait",
            name: member(container, "::", &format!("trait {}", name())),
            holds_methods: true,
            members: node
                .child_by_field_name("body")
                .map(|body| (body, member(container, "::", name()))),
        },
        "mod_item" => Item {
            kind: "module",
            name: member(container, "::", &format!("mod {}", name())),
            holds_methods: false,
            members: Some((
                node.child_by_field_name("body")?,
                member(container, "::", name()),
            )),
        },
        "struct_item" => plain("struct", "struct"),
        "enum_item" => plain("enum", "enum"),
        "union_item" => plain("union", "union"),
        "macro_definition" => plain("macro", "macro_rules!"),
        _ => return None,
    })
}

fn python<'t>(
    node: Node<'t>,
    src: &[u8],
    container: Option<&str>,
    in_type: bool,
) -> Option<Item<'t>> {
    let name = field_text(node, "name", src)?;
    Some(match node.kind() {
        "function_definition" => Item::function(in_type, member(container, ".", name)),
        "class_definition" => Item {
            kind: "class",
            name: format!("class {}", member(container, ".", name)),
            holds_methods: true,
            members: node
                .child_by_field_name("body")
                .map(|body| (body, member(container, ".", name))),
        },
        _ => return None,
    })
}

fn script<'t>(node: Node<'t>, src: &[u8], container: Option<&str>) -> Vec<(Node<'t>, Item<'t>)> {
    let name = || field_text(node, "name", src).unwrap_or("default");
    let item = match node.kind() {
        "function_declaration" | "generator_function_declaration" | "function_expression" => {
            Item::leaf("function", member(container, ".", name()))
        }
        "class_declaration" | "abstract_class_declaration" | "class" => Item {
            kind: "class",
            name: format!("class {}", member(container, ".", name())),
            holds_methods: true,
            members: node
                .child_by_field_name("body")
                .map(|body| (body, member(container, ".", name()))),
        },
        "method_definition" => Item::leaf("method", member(container, ".", name())),
        "field_definition" | "public_field_definition" => {
            let value = node.child_by_field_name("value");
            if !value.is_some_and(|v| is_function(v.kind())) {
                return Vec::new();
            }
            let property =
                field_text(node, "property", src).or_else(|| field_text(node, "name", src));
            Item::leaf("method", member(container, ".", property.unwrap_or("_")))
        }
        "interface_declaration" => Item::leaf(
            "interface",
            format!("interface {}", member(container, ".", name())),
        ),
        "enum_declaration" => {
            Item::leaf("enum", format!("enum {}", member(container, ".", name())))
        }
        "internal_module" | "module" => Item {
            kind: "module",
            name: format!("namespace {}", member(container, ".", name())),
            holds_methods: false,
            members: node
                .child_by_field_name("body")
                .map(|body| (body, member(container, ".", name()))),
        },
        // `const f = () => …`: a function in all but syntax.
        "lexical_declaration" | "variable_declaration" => {
            let mut cursor = node.walk();
            let declarators: Vec<Node<'t>> = node
                .named_children(&mut cursor)
                .filter(|d| d.kind() == "variable_declarator")
                .filter(|d| {
                    d.child_by_field_name("value")
                        .is_some_and(|v| is_function(v.kind()))
                })
                .collect();
            let whole = declarators.len() == 1;
            return declarators
                .into_iter()
                .map(|d| {
                    let item = Item::leaf(
                        "function",
                        member(container, ".", field_text(d, "name", src).unwrap_or("_")),
                    );
                    (if whole { node } else { d }, item)
                })
                .collect();
        }
        _ => return Vec::new(),
    };
    vec![(node, item)]
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}

fn go<'t>(node: Node<'t>, src: &[u8]) -> Vec<(Node<'t>, Item<'t>)> {
    let name = field_text(node, "name", src).unwrap_or("_");
    match node.kind() {
        "function_declaration" => vec![(node, Item::leaf("function", name.to_string()))],
        "method_declaration" => {
            let receiver = node
                .child_by_field_name("receiver")
                .and_then(|list| {
                    let mut cursor = list.walk();
                    let first = list.named_children(&mut cursor).next();
                    first
                })
                .and_then(|param| field_text(param, "type", src))
                .map(bare_type)
                .unwrap_or("_");
            vec![(node, Item::leaf("method", format!("{receiver}.{name}")))]
        }
        "type_declaration" => {
            let mut cursor = node.walk();
            let specs: Vec<Node<'t>> = node
                .named_children(&mut cursor)
                .filter(|s| s.kind() == "type_spec")
                .collect();
            let whole = specs.len() == 1;
            specs
                .into_iter()
                .map(|spec| {
                    let kind = match spec.child_by_field_name("type").map(|t| t.kind()) {
                        Some("struct_type") => "struct",
                        Some("interface_type") => "interface",
                        _ => "type",
                    };
                    let item = Item::leaf(
                        kind,
                        format!("type {}", field_text(spec, "name", src).unwrap_or("_")),
                    );
                    (if whole { node } else { spec }, item)
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// C and C++: functions (their name is deep in the declarator:
/// `*name(…)`, `Circle::area(…)`), structs, unions, enums, classes and
/// namespaces. Declarations without a body (prototypes, `virtual f() = 0;`)
/// are not blocks.
fn c_family<'t>(
    node: Node<'t>,
    src: &[u8],
    container: Option<&str>,
    in_type: bool,
) -> Option<Item<'t>> {
    match node.kind() {
        "function_definition" => {
            let name = one_line(&declarator_name(
                node.child_by_field_name("declarator")?,
                src,
            ));
            Some(Item::function(in_type, member(container, "::", &name)))
        }
        "struct_specifier" | "union_specifier" | "enum_specifier" | "class_specifier" => {
            let body = node.child_by_field_name("body")?;
            let name = field_text(node, "name", src)?;
            Some(c_type(node.kind(), name, body, container))
        }
        // `typedef struct {…} name;`, `struct point {…} origin;`: named by the type, else the declarator.
        "type_definition" | "declaration" | "field_declaration" => {
            let ty = node.child_by_field_name("type")?;
            let body = ty.child_by_field_name("body")?;
            let name = match field_text(ty, "name", src) {
                Some(name) => name.to_string(),
                None => declarator_name(node.child_by_field_name("declarator")?, src),
            };
            Some(c_type(ty.kind(), &name, body, container))
        }
        "namespace_definition" => {
            let name = field_text(node, "name", src).unwrap_or("(anonymous)");
            Some(Item {
                kind: "module",
                name: format!("namespace {}", member(container, "::", name)),
                holds_methods: false,
                members: Some((
                    node.child_by_field_name("body")?,
                    member(container, "::", name),
                )),
            })
        }
        _ => None,
    }
}

fn c_type<'t>(kind: &str, name: &str, body: Node<'t>, container: Option<&str>) -> Item<'t> {
    let (kind, keyword) = match kind {
        "union_specifier" => ("union", "union"),
        "enum_specifier" => ("enum", "enum"),
        "class_specifier" => ("class", "class"),
        _ => ("struct", "struct"),
    };
    let full = member(container, "::", name);
    Item {
        kind,
        name: format!("{keyword} {full}"),
        holds_methods: true,
        members: (kind != "enum").then_some((body, full)),
    }
}

/// The declared name inside a C declarator: `**name`, `name(…)`, `(*name)(…)`, `Class::name`.
fn declarator_name(mut node: Node<'_>, src: &[u8]) -> String {
    loop {
        let inner = match node.kind() {
            "function_declarator"
            | "pointer_declarator"
            | "parenthesized_declarator"
            | "attributed_declarator"
            | "array_declarator"
            | "init_declarator" => node.child_by_field_name("declarator").or_else(|| {
                let mut cursor = node.walk();
                let last = node.named_children(&mut cursor).last();
                last
            }),
            "reference_declarator" => {
                let mut cursor = node.walk();
                let last = node.named_children(&mut cursor).last();
                last
            }
            _ => None,
        };
        match inner {
            Some(inner) if inner != node => node = inner,
            _ => return text(node, src).to_string(),
        }
    }
}

fn java<'t>(
    node: Node<'t>,
    src: &[u8],
    container: Option<&str>,
    in_type: bool,
) -> Option<Item<'t>> {
    let name = field_text(node, "name", src)?;
    let full = member(container, ".", name);
    let typed = |kind: &'static str, keyword: &str| Item {
        kind,
        name: format!("{keyword} {full}"),
        holds_methods: true,
        members: node
            .child_by_field_name("body")
            .map(|body| (body, full.clone())),
    };
    Some(match node.kind() {
        "class_declaration" => typed("class", "class"),
        "record_declaration" => typed("class", "record"),
        "interface_declaration" => typed("interface", "interface"),
        "annotation_type_declaration" => typed("interface", "@interface"),
        "enum_declaration" => typed("enum", "enum"),
        "method_declaration" | "constructor_declaration" | "compact_constructor_declaration" => {
            node.child_by_field_name("body")?;
            Item::function(in_type, full.clone())
        }
        _ => return None,
    })
}

/// C#: namespaces are listed but do not prefix names (like Java packages).
fn csharp<'t>(
    node: Node<'t>,
    src: &[u8],
    container: Option<&str>,
    in_type: bool,
) -> Option<Item<'t>> {
    let name = || field_text(node, "name", src).unwrap_or("_");
    let typed = |kind: &'static str, keyword: &str| {
        let full = member(container, ".", name());
        Item {
            kind,
            name: format!("{keyword} {full}"),
            holds_methods: true,
            members: node
                .child_by_field_name("body")
                .map(|body| (body, full.clone())),
        }
    };
    Some(match node.kind() {
        "namespace_declaration" => Item {
            kind: "module",
            name: format!("namespace {}", one_line(name())),
            holds_methods: false,
            members: node
                .child_by_field_name("body")
                .map(|body| (body, container.unwrap_or_default().to_string())),
        },
        "class_declaration" => typed("class", "class"),
        "record_declaration" => typed("class", "record"),
        "struct_declaration" => typed("struct", "struct"),
        "interface_declaration" => typed("interface", "interface"),
        "enum_declaration" => Item {
            members: None,
            ..typed("enum", "enum")
        },
        "method_declaration"
        | "constructor_declaration"
        | "destructor_declaration"
        | "operator_declaration"
        | "conversion_operator_declaration" => {
            node.child_by_field_name("body")?;
            let name = match node.kind() {
                "destructor_declaration" => format!("~{}", name()),
                "operator_declaration" => {
                    format!(
                        "operator {}",
                        field_text(node, "operator", src).unwrap_or("_")
                    )
                }
                "conversion_operator_declaration" => format!(
                    "operator {}",
                    one_line(field_text(node, "type", src).unwrap_or("_"))
                ),
                _ => name().to_string(),
            };
            Item::function(in_type, member(container, ".", &name))
        }
        _ => return None,
    })
}

/// Ruby, named as Ruby people write them: `Tasks::Runner`, `Runner#run`
/// (instance method), `Runner.make` (singleton method, also inside `class << self`).
fn ruby<'t>(node: Node<'t>, src: &[u8], container: Option<&str>) -> Option<Item<'t>> {
    // Inside `class << self` the prefix ends in `.`: methods there are singleton methods.
    let outer = container.map(|c| c.trim_end_matches('.'));
    let body = node.child_by_field_name("body");
    Some(match node.kind() {
        "module" | "class" => {
            let keyword = node.kind();
            let full = member(outer, "::", field_text(node, "name", src)?);
            Item {
                kind: if keyword == "module" {
                    "module"
                } else {
                    "class"
                },
                name: format!("{keyword} {full}"),
                holds_methods: true,
                members: body.map(|b| (b, full)),
            }
        }
        "singleton_class" => Item {
            kind: "class",
            name: match field_text(node, "value", src) {
                Some("self") | None => format!("class << {}", outer.unwrap_or("self")),
                Some(value) => format!("class << {value}"),
            },
            holds_methods: true,
            members: body.map(|b| (b, format!("{}.", outer.unwrap_or("self")))),
        },
        "method" => {
            let name = field_text(node, "name", src)?;
            let name = match container {
                Some(c) if c.ends_with('.') => format!("{c}{name}"),
                Some(c) => format!("{c}#{name}"),
                None => name.to_string(),
            };
            Item::function(container.is_some(), name)
        }
        "singleton_method" => {
            let object = field_text(node, "object", src).unwrap_or("self");
            let owner = if object == "self" {
                outer.unwrap_or("self")
            } else {
                object
            };
            Item::leaf(
                "method",
                format!("{owner}.{}", field_text(node, "name", src)?),
            )
        }
        _ => return None,
    })
}

fn php<'t>(node: Node<'t>, src: &[u8], container: Option<&str>, in_type: bool) -> Option<Item<'t>> {
    let name = field_text(node, "name", src);
    let typed = |kind: &'static str, keyword: &str| -> Option<Item<'t>> {
        let full = member(container, "::", name?);
        Some(Item {
            kind,
            name: format!("{keyword} {full}"),
            holds_methods: true,
            members: node
                .child_by_field_name("body")
                .map(|body| (body, full.clone())),
        })
    };
    match node.kind() {
        // Only `namespace N { … }` holds items; `namespace N;` is a statement. Names stay short.
        "namespace_definition" => Some(Item {
            kind: "module",
            name: format!("namespace {}", name.unwrap_or("(global)")),
            holds_methods: false,
            members: Some((
                node.child_by_field_name("body")?,
                container.unwrap_or_default().to_string(),
            )),
        }),
        "class_declaration" => typed("class", "class"),
        "interface_declaration" => typed("interface", "interface"),
        "trait_declaration" => typed("trait", "trait"),
        "enum_declaration" => typed("enum", "enum"),
        "function_definition" | "method_declaration" => {
            node.child_by_field_name("body")?;
            Some(Item::function(in_type, member(container, "::", name?)))
        }
        _ => None,
    }
}

fn bash<'t>(node: Node<'t>, src: &[u8]) -> Option<Item<'t>> {
    (node.kind() == "function_definition").then(|| {
        Item::leaf(
            "function",
            field_text(node, "name", src).unwrap_or("_").to_string(),
        )
    })
}

/// Lua: `function M.setup()`, `function M:method()`, `local function f()`,
/// and `local f = function() … end` / `M.f = function() … end`.
fn lua<'t>(node: Node<'t>, src: &[u8]) -> Option<Item<'t>> {
    let function = |name: &str| Item::function(name.contains(':'), name.to_string());
    match node.kind() {
        "function_declaration" => Some(function(field_text(node, "name", src)?)),
        "variable_declaration" => {
            let mut cursor = node.walk();
            let assignment = node
                .named_children(&mut cursor)
                .find(|n| n.kind() == "assignment_statement")?;
            lua(assignment, src)
        }
        "assignment_statement" => {
            let mut cursor = node.walk();
            let mut parts = node.named_children(&mut cursor);
            let (names, values) = (parts.next()?, parts.next()?);
            if names.named_child_count() != 1 || values.named_child_count() != 1 {
                return None;
            }
            let value = values.named_child(0)?;
            (value.kind() == "function_definition")
                .then(|| function(text(names.named_child(0).unwrap_or(names), src)))
        }
        _ => None,
    }
}

/// Kotlin: classes, interfaces, enum classes and objects (a companion
/// object's functions are named after the class, as Kotlin calls them),
/// functions with a body (`fun String.shout()` keeps its receiver) and
/// secondary constructors.
fn kotlin<'t>(
    node: Node<'t>,
    src: &[u8],
    container: Option<&str>,
    in_type: bool,
) -> Option<Item<'t>> {
    let child_of_kind = |kinds: &[&str]| {
        let mut cursor = node.walk();
        let found = node
            .children(&mut cursor)
            .find(|c| kinds.contains(&c.kind()));
        found
    };
    let body = || child_of_kind(&["class_body", "enum_class_body"]);
    let name = || field_text(node, "name", src);
    match node.kind() {
        "class_declaration" | "object_declaration" => {
            let full = member(container, ".", name()?);
            let enum_class = node.kind() == "class_declaration"
                && node
                    .child_by_field_name("modifiers")
                    .or_else(|| child_of_kind(&["modifiers"]))
                    .is_some_and(|m| text(m, src).split_whitespace().any(|w| w == "enum"));
            let (kind, keyword) = if node.kind() == "object_declaration" {
                ("class", "object")
            } else if child_of_kind(&["interface"]).is_some() {
                ("interface", "interface")
            } else if enum_class {
                ("enum", "enum class")
            } else {
                ("class", "class")
            };
            Some(Item {
                kind,
                name: format!("{keyword} {full}"),
                holds_methods: true,
                members: body().map(|b| (b, full)),
            })
        }
        "companion_object" => Some(Item {
            kind: "class",
            name: format!(
                "companion object {}",
                member(container, ".", name().unwrap_or("Companion"))
            ),
            holds_methods: true,
            members: body().map(|b| (b, container.unwrap_or_default().to_string())),
        }),
        "function_declaration" => {
            child_of_kind(&["function_body"])?;
            let name_node = node.child_by_field_name("name")?;
            let receiver = {
                let mut cursor = node.walk();
                let found = node
                    .named_children(&mut cursor)
                    .take_while(|c| c.start_byte() < name_node.start_byte())
                    .find(|c| matches!(c.kind(), "user_type" | "nullable_type"));
                found
            };
            let name = match receiver {
                Some(r) => format!("{}.{}", bare_type(text(r, src)), text(name_node, src)),
                None => text(name_node, src).to_string(),
            };
            Some(Item::function(in_type, member(container, ".", &name)))
        }
        "secondary_constructor" => {
            Some(Item::leaf("method", member(container, ".", "constructor")))
        }
        _ => None,
    }
}
