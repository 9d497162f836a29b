//! Blocks from a tree-sitter parse for Rust, Python, JavaScript, TypeScript
//! (and TSX) and Go. Each language is one `classify` function: which node
//! kinds are blocks, how they are named, and which containers (impls,
//! classes, traits, modules) hold blocks of their own. Never recurses into a
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
        // A wrapper (decorators, `export`) gives its range to the item it wraps.
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
                start_line: range_node.start_position().row as u32,
                end_line: end_row(range_node),
            });
            if let Some((body, prefix)) = item.members {
                collect(grammar, body, src, Some((&prefix, item.holds_methods)), out);
            }
        }
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
        Some(c) => format!("{c}{separator}{name}"),
        None => name.to_string(),
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
    }
}

fn rust<'t>(
    node: Node<'t>,
    src: &[u8],
    container: Option<&str>,
    in_type: bool,
) -> Option<Item<'t>> {
    let name = || field_text(node, "name", src).unwrap_or("_");
    let plain = |kind: &'static str, keyword: &str| Item {
        kind,
        name: member(container, "::", &format!("{keyword} {}", name())),
        members: None,
        holds_methods: false,
    };
    Some(match node.kind() {
        "function_item" => Item {
            kind: if in_type { "method" } else { "function" },
            name: member(container, "::", name()),
            members: None,
            holds_methods: false,
        },
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
        "function_definition" => Item {
            kind: if in_type { "method" } else { "function" },
            name: member(container, ".", name),
            members: None,
            holds_methods: false,
        },
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
        "function_declaration" | "generator_function_declaration" | "function_expression" => Item {
            kind: "function",
            name: member(container, ".", name()),
            members: None,
            holds_methods: false,
        },
        "class_declaration" | "abstract_class_declaration" | "class" => Item {
            kind: "class",
            name: format!("class {}", member(container, ".", name())),
            holds_methods: true,
            members: node
                .child_by_field_name("body")
                .map(|body| (body, member(container, ".", name()))),
        },
        "method_definition" => Item {
            kind: "method",
            name: member(container, ".", name()),
            members: None,
            holds_methods: false,
        },
        "field_definition" | "public_field_definition" => {
            let value = node.child_by_field_name("value");
            if !value.is_some_and(|v| is_function(v.kind())) {
                return Vec::new();
            }
            let property =
                field_text(node, "property", src).or_else(|| field_text(node, "name", src));
            Item {
                kind: "method",
                name: member(container, ".", property.unwrap_or("_")),
                members: None,
                holds_methods: false,
            }
        }
        "interface_declaration" => Item {
            kind: "interface",
            name: format!("interface {}", member(container, ".", name())),
            members: None,
            holds_methods: false,
        },
        "enum_declaration" => Item {
            kind: "enum",
            name: format!("enum {}", member(container, ".", name())),
            members: None,
            holds_methods: false,
        },
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
                    let item = Item {
                        kind: "function",
                        name: member(container, ".", field_text(d, "name", src).unwrap_or("_")),
                        members: None,
                        holds_methods: false,
                    };
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
        "function_declaration" => vec![(
            node,
            Item {
                kind: "function",
                name: name.to_string(),
                members: None,
                holds_methods: false,
            },
        )],
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
            vec![(
                node,
                Item {
                    kind: "method",
                    name: format!("{receiver}.{name}"),
                    members: None,
                    holds_methods: false,
                },
            )]
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
                    let item = Item {
                        kind,
                        name: format!("type {}", field_text(spec, "name", src).unwrap_or("_")),
                        members: None,
                        holds_methods: false,
                    };
                    (if whole { node } else { spec }, item)
                })
                .collect()
        }
        _ => Vec::new(),
    }
}
