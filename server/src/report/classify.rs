//! Who wrote a commit, as the report needs it: an assistant, a bot, or a
//! person. A thin seam over `crate::attribution` (the one table of
//! assistants); it must never grow its own table.

/// The assistant named by a commit's message or author, if any.
pub fn assistant(message: &str, author_name: &str, author_email: &str) -> Option<String> {
    temporary::commit_assistant(message, author_name, author_email)
}

/// dependabot, renovate, github-actions, …: excluded from reports by default.
pub fn is_bot(author_name: &str, author_email: &str) -> bool {
    temporary::is_bot(author_name, author_email)
}

// replaced by the attribution stream at merge
mod temporary {
    pub fn commit_assistant(message: &str, name: &str, email: &str) -> Option<String> {
        const KNOWN: [(&str, &str); 8] = [
            ("anthropic.com", "claude-code"),
            ("openai.com", "codex"),
            ("copilot", "copilot"),
            ("cursor", "cursor"),
            ("aider", "aider"),
            ("ampcode.com", "amp"),
            ("devin-ai", "devin"),
            ("gemini", "gemini"),
        ];
        let lower = message.to_lowercase();
        for line in lower.lines().filter(|l| l.starts_with("co-authored-by:")) {
            if let Some((_, agent)) = KNOWN.iter().find(|(needle, _)| line.contains(needle)) {
                return Some(agent.to_string());
            }
        }
        let who = format!("{name} {email}").to_lowercase();
        if name.ends_with("(aider)") {
            return Some("aider".into());
        }
        if who.contains("copilot-swe-agent") || who.contains("devin-ai-integration") {
            return Some(
                if who.contains("devin") {
                    "devin"
                } else {
                    "copilot"
                }
                .into(),
            );
        }
        None
    }

    pub fn is_bot(name: &str, email: &str) -> bool {
        let who = format!("{name} {email}").to_lowercase();
        let agent = who.contains("copilot-swe-agent") || who.contains("devin-ai-integration");
        !agent
            && (who.contains("[bot]")
                || ["dependabot", "renovate", "github-actions"]
                    .iter()
                    .any(|b| who.contains(b)))
    }
}
