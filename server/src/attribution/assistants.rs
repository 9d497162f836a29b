//! The one table of who counts as an assistant, by the identities and marks
//! they leave in commits: co-author trailers, author names and emails, a few
//! trailers and body lines of their own. docs/assistants.md mirrors it.
//! Adding an assistant is one line in `IDENTITIES` (or `TRAILERS`, `BODY_LINES`).
//! Reads only a commit's message and author; never opens a repository.

use serde::Serialize;

use super::trailers::trailers;

/// An AI assistant that wrote a commit or a line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Assistant {
    /// Short stable name: `claude-code`, `copilot`, `cursor`, `codex`, `aider`, …
    pub agent: String,
    /// The model when the source names one, as written there (`Claude Opus 4.5`, `gpt-4o`).
    pub model: Option<String>,
}

impl Assistant {
    pub fn new(agent: impl Into<String>, model: Option<String>) -> Assistant {
        Assistant {
            agent: agent.into(),
            model,
        }
    }
}

/// A case-insensitive pattern on a name or an email.
#[derive(Debug, Clone, Copy)]
enum Pat {
    Any,
    Is(&'static str),
    StartsWith(&'static str),
    EndsWith(&'static str),
    Contains(&'static str),
}

impl Pat {
    fn matches(self, text: &str) -> bool {
        let text = text.trim().to_ascii_lowercase();
        match self {
            Pat::Any => true,
            Pat::Is(p) => text == p,
            Pat::StartsWith(p) => text.starts_with(p),
            Pat::EndsWith(p) => text.ends_with(p),
            Pat::Contains(p) => text.contains(p),
        }
    }
}

/// Where an identity carries the model, if anywhere.
#[derive(Debug, Clone, Copy)]
enum Model {
    None,
    /// The whole name is the model unless it is one of these product names
    /// (`Claude Opus 4.5` is a model, `Claude` is not).
    Name(&'static [&'static str]),
    /// The text in the last parentheses: `aider (gpt-4o)`.
    InParentheses,
}

impl Model {
    fn extract(self, name: &str) -> Option<String> {
        let name = name.trim();
        match self {
            Model::None => None,
            Model::Name(products) => (!products
                .iter()
                .any(|product| name.eq_ignore_ascii_case(product)))
            .then(|| name.to_string()),
            Model::InParentheses => {
                let open = name.rfind('(')?;
                let close = name[open..].find(')')? + open;
                let model = name[open + 1..close].trim();
                (!model.is_empty()).then(|| model.to_string())
            }
        }
    }
}

/// `(agent, name, email, model)`: a person `name <email>` (author or co-author)
/// is this agent when both patterns match. Emails are matched whole, names
/// too: a human named "Claude" is not Claude without Anthropic's address.
#[rustfmt::skip]
const IDENTITIES: &[(&str, Pat, Pat, Model)] = &[
    ("claude-code", Pat::Any, Pat::Is("noreply@anthropic.com"), Model::Name(&["claude", "claude code"])),
    ("claude-code", Pat::StartsWith("claude"), Pat::EndsWith("@anthropic.com"), Model::Name(&["claude", "claude code"])),
    ("claude-code", Pat::Is("claude[bot]"), Pat::Any, Model::None),
    ("codex", Pat::Any, Pat::Is("noreply@openai.com"), Model::None),
    ("codex", Pat::StartsWith("codex"), Pat::EndsWith("@openai.com"), Model::None),
    ("codex", Pat::Is("chatgpt-codex-connector[bot]"), Pat::Any, Model::None),
    ("aider", Pat::StartsWith("aider"), Pat::EndsWith("@aider.chat"), Model::InParentheses),
    ("aider", Pat::EndsWith(" (aider)"), Pat::Any, Model::None),
    ("copilot", Pat::Any, Pat::Is("copilot@github.com"), Model::None),
    ("copilot", Pat::Any, Pat::EndsWith("+copilot@users.noreply.github.com"), Model::None),
    ("copilot", Pat::Is("copilot-swe-agent[bot]"), Pat::Any, Model::None),
    ("copilot", Pat::Any, Pat::Contains("+copilot-swe-agent[bot]@"), Model::None),
    ("cursor", Pat::Any, Pat::Is("cursoragent@cursor.com"), Model::None),
    ("cursor", Pat::StartsWith("cursor"), Pat::EndsWith("@cursor.com"), Model::None),
    ("cursor", Pat::Is("cursor[bot]"), Pat::Any, Model::None),
    ("amp", Pat::Any, Pat::Is("amp@ampcode.com"), Model::None),
    ("devin", Pat::Contains("devin-ai-integration[bot]"), Pat::Any, Model::None),
    ("devin", Pat::Any, Pat::Contains("devin-ai-integration[bot]"), Model::None),
    ("gemini", Pat::StartsWith("gemini"), Pat::EndsWith("google.com"), Model::Name(&["gemini", "gemini cli", "gemini code assist"])),
    ("gemini", Pat::Is("gemini-code-assist[bot]"), Pat::Any, Model::None),
    ("jules", Pat::Is("google-labs-jules[bot]"), Pat::Any, Model::None),
    ("windsurf", Pat::StartsWith("windsurf"), Pat::EndsWith("@codeium.com"), Model::None),
    ("windsurf", Pat::StartsWith("windsurf"), Pat::EndsWith("@windsurf.com"), Model::None),
    ("opencode", Pat::Any, Pat::Is("noreply@opencode.ai"), Model::None),
    ("droid", Pat::StartsWith("factory-droid"), Pat::Any, Model::None),
];

/// Trailer keys (case-insensitive) that name co-authors, read with `IDENTITIES`.
const CO_AUTHOR_KEYS: &[&str] = &["co-authored-by", "co-developed-by"];

/// `(key, value, agent)`: other trailers an assistant writes.
#[rustfmt::skip]
const TRAILERS: &[(&str, Pat, &str)] = &[
    ("made-with", Pat::StartsWith("cursor"), "cursor"),
    ("claude-session", Pat::Any, "claude-code"),
    ("amp-thread-id", Pat::Any, "amp"),
    ("amp-thread", Pat::Any, "amp"),
];

/// `(start of a body line, lower case, agent)`.
#[rustfmt::skip]
const BODY_LINES: &[(&str, &str)] = &[
    ("🤖 generated with [claude code]", "claude-code"),
    ("🤖 generated with [opencode]", "opencode"),
];

/// Accounts that automate chores; never assistants (excluded from reports).
const BOTS: &[Pat] = &[
    Pat::Contains("dependabot"),
    Pat::Contains("renovate"),
    Pat::Contains("github-actions"),
    Pat::Contains("greenkeeper"),
    Pat::Contains("snyk-bot"),
    Pat::Contains("pre-commit-ci"),
    Pat::Contains("mergify"),
    Pat::Contains("semantic-release-bot"),
    Pat::Contains("allcontributors"),
    Pat::Contains("imgbot"),
    Pat::Contains("pyup-bot"),
    Pat::Contains("codecov"),
    Pat::Contains("release-please"),
    Pat::Is("bors"),
];

/// The assistant behind `name <email>`, if the table knows it.
pub fn identity_assistant(name: &str, email: &str) -> Option<Assistant> {
    IDENTITIES
        .iter()
        .find(|(_, name_pat, email_pat, _)| name_pat.matches(name) && email_pat.matches(email))
        .map(|(agent, _, _, model)| Assistant::new(*agent, model.extract(name)))
}

/// From a commit's message and author alone (trailers, "(aider)" suffix, bot agents).
pub fn commit_assistant(message: &str, author_name: &str, author_email: &str) -> Option<Assistant> {
    let mut found: Vec<Assistant> = Vec::new();
    found.extend(identity_assistant(author_name, author_email));
    let block = trailers(message);
    for trailer in &block {
        if CO_AUTHOR_KEYS
            .iter()
            .any(|key| trailer.key.eq_ignore_ascii_case(key))
        {
            let (name, email) = split_identity(&trailer.value);
            found.extend(identity_assistant(name, email));
        }
    }
    for trailer in &block {
        found.extend(
            TRAILERS
                .iter()
                .filter(|(key, value, _)| {
                    trailer.key.eq_ignore_ascii_case(key) && value.matches(&trailer.value)
                })
                .map(|(_, _, agent)| Assistant::new(*agent, None)),
        );
    }
    for line in message.lines() {
        let line = line.trim().to_lowercase();
        found.extend(
            BODY_LINES
                .iter()
                .filter(|(start, _)| line.starts_with(start))
                .map(|(_, agent)| Assistant::new(*agent, None)),
        );
    }
    // The first source decides the agent; any source naming the same agent may supply the model.
    let mut first = found.first()?.clone();
    if first.model.is_none() {
        first.model = found
            .iter()
            .filter(|other| other.agent == first.agent)
            .find_map(|other| other.model.clone());
    }
    Some(first)
}

/// Trailer keys by which a human says they looked at a commit.
const REVIEW_KEYS: &[&str] = &["reviewed-by", "approved-by", "acked-by", "reviewed-on"];

/// Whether the message's trailers say a human reviewed the commit (`Reviewed-by:`, `Approved-by:`, …).
pub fn message_says_reviewed(message: &str) -> bool {
    trailers(message).iter().any(|t| {
        REVIEW_KEYS
            .iter()
            .any(|key| t.key.eq_ignore_ascii_case(key))
    })
}

/// dependabot, renovate, github-actions, … (not assistants: excluded from reports)
pub fn is_bot(author_name: &str, author_email: &str) -> bool {
    if identity_assistant(author_name, author_email).is_some() {
        return false;
    }
    let email_user = author_email.split('@').next().unwrap_or_default();
    BOTS.iter()
        .any(|bot| bot.matches(author_name) || bot.matches(email_user))
        || author_name.trim().ends_with("[bot]")
        || email_user.ends_with("[bot]")
}

/// `Name <email>` → (`Name`, `email`); a bare name gets an empty email.
fn split_identity(value: &str) -> (&str, &str) {
    match value.rfind('<') {
        Some(open) => {
            let email = value[open + 1..].trim_end().trim_end_matches('>');
            (value[..open].trim(), email.trim())
        }
        None => (value.trim(), ""),
    }
}

#[cfg(test)]
mod tests {
    use super::{commit_assistant, is_bot};

    /// `(message, author name, author email, expected "agent" or "agent/model" or "")`.
    #[rustfmt::skip]
    const COMMITS: &[(&str, &str, &str, &str)] = &[
        // Claude Code, classic and with a model name.
        (
            "Add parser\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
            "Jane Doe", "jane@example.com", "claude-code",
        ),
        (
            "Add parser\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
            "Jane Doe", "jane@example.com", "claude-code/Claude Opus 4.5",
        ),
        ("Add parser\n\nco-authored-by: claude sonnet 4 <noreply@anthropic.com>", "J", "j@x", "claude-code/claude sonnet 4"),
        // Body line only (trailers turned off).
        ("Fix bug\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n", "J", "j@x", "claude-code"),
        ("Fix bug\n\nClaude-Session: 4f1c2a\n", "J", "j@x", "claude-code"),
        ("Fix bug", "claude[bot]", "209825114+claude[bot]@users.noreply.github.com", "claude-code"),
        // Codex.
        ("Refactor\n\nCo-authored-by: Codex <noreply@openai.com>", "J", "j@x", "codex"),
        // aider, trailer with model, and author suffix.
        ("feat: add cache\n\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>", "J", "j@x", "aider/gpt-4o"),
        (
            "feat: add cache\n\nCo-authored-by: aider (openrouter/anthropic/claude-3.5-sonnet) <noreply@aider.chat>",
            "J", "j@x", "aider/openrouter/anthropic/claude-3.5-sonnet",
        ),
        ("feat: add cache", "Paul Gauthier (aider)", "paul@example.com", "aider"),
        // Copilot: VS Code, CLI, coding agent.
        ("Update docs\n\nCo-authored-by: Copilot <copilot@github.com>", "J", "j@x", "copilot"),
        (
            "Update docs\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>",
            "J", "j@x", "copilot",
        ),
        (
            "Initial plan\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>",
            "copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com", "copilot",
        ),
        // Cursor.
        ("Tidy\n\nCo-authored-by: Cursor <cursoragent@cursor.com>", "J", "j@x", "cursor"),
        ("Tidy\n\nMade-with: Cursor", "J", "j@x", "cursor"),
        ("Tidy", "Cursor Agent", "cursoragent@cursor.com", "cursor"),
        // Amp.
        ("Port\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1\nCo-authored-by: Amp <amp@ampcode.com>", "J", "j@x", "amp"),
        // Devin as author.
        (
            "Add tests",
            "Devin AI", "158243242+devin-ai-integration[bot]@users.noreply.github.com", "devin",
        ),
        // Gemini, added by hand.
        ("Speed up\n\nCo-authored-by: Gemini 2.5 Pro <gemini@google.com>", "J", "j@x", "gemini/Gemini 2.5 Pro"),
        // Case-insensitive trailer key.
        ("x\n\nCO-AUTHORED-BY: Codex <noreply@openai.com>", "J", "j@x", "codex"),
        // Traps: humans, words in prose, trailers in the title.
        ("Paint\n\nCo-authored-by: Claude Monet <claude@monet.fr>", "J", "j@x", ""),
        ("Paint", "Claude Monet", "claude.monet@example.com", ""),
        ("Disable copilot suggestions in CI", "J", "j@x", ""),
        ("Mention Claude Code in README\n\nWe now document Claude Code.", "J", "j@x", ""),
        ("Co-authored-by: Claude <noreply@anthropic.com>", "J", "j@x", ""),
        (
            "Pair work\n\nCo-authored-by: Ada Lovelace <ada@example.com>\nSigned-off-by: J <j@x>",
            "J", "j@x", "",
        ),
        ("Body mentions\n\nSee 🤖 Generated with [Claude Code] below? no: not at line start", "J", "j@x", ""),
        ("x\n\nMade-with: love", "J", "j@x", ""),
        ("Bump serde", "dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", ""),
        // A human at Anthropic is not Claude.
        ("x\n\nCo-authored-by: Jane <jane@anthropic.com>", "J", "j@x", ""),
    ];

    #[test]
    fn commit_assistant_table() {
        for (message, name, email, expected) in COMMITS {
            let got = commit_assistant(message, name, email)
                .map(|a| match a.model {
                    Some(model) => format!("{}/{}", a.agent, model),
                    None => a.agent,
                })
                .unwrap_or_default();
            assert_eq!(&got, expected, "message {message:?} by {name} <{email}>");
        }
    }

    #[test]
    fn review_trailers() {
        assert!(super::message_says_reviewed(
            "Fix\n\nReviewed-by: Ada <ada@example.com>"
        ));
        assert!(super::message_says_reviewed(
            "Fix\n\nreviewed-on: https://review.example/1"
        ));
        assert!(!super::message_says_reviewed(
            "Fix\n\nThis was reviewed-by nobody"
        ));
        assert!(!super::message_says_reviewed("Reviewed-by: title only"));
    }

    #[test]
    fn is_bot_table() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "dependabot[bot]",
                "49699333+dependabot[bot]@users.noreply.github.com",
                true,
            ),
            (
                "renovate[bot]",
                "29139614+renovate[bot]@users.noreply.github.com",
                true,
            ),
            ("Renovate Bot", "bot@renovateapp.com", true),
            (
                "github-actions[bot]",
                "41898282+github-actions[bot]@users.noreply.github.com",
                true,
            ),
            (
                "pre-commit-ci[bot]",
                "66853113+pre-commit-ci[bot]@users.noreply.github.com",
                true,
            ),
            (
                "some-new-app[bot]",
                "1+some-new-app[bot]@users.noreply.github.com",
                true,
            ),
            // Assistants are not bots.
            (
                "copilot-swe-agent[bot]",
                "198982749+Copilot@users.noreply.github.com",
                false,
            ),
            (
                "Devin AI",
                "158243242+devin-ai-integration[bot]@users.noreply.github.com",
                false,
            ),
            (
                "claude[bot]",
                "209825114+claude[bot]@users.noreply.github.com",
                false,
            ),
            // People.
            ("Jane Doe", "jane@example.com", false),
            ("Claude Monet", "claude@monet.fr", false),
            ("GitHub", "noreply@github.com", false),
        ];
        for (name, email, expected) in cases {
            assert_eq!(is_bot(name, email), *expected, "{name} <{email}>");
        }
    }
}
