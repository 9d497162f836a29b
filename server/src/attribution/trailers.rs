//! Git's trailer block, read the way `git interpret-trailers` reads it: the
//! last paragraph of a message, never its title, counted as trailers when
//! its lines are `Key: value` (continuation lines start with whitespace).
//! Owns only the parsing; it must never decide what a trailer means.

/// One `Key: value` line of the trailer block; the key keeps its spelling
/// (compare it with `eq_ignore_ascii_case`, git keys are case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer<'a> {
    pub key: &'a str,
    pub value: String,
}

/// The trailers of a commit message; empty when the last paragraph is not a
/// trailer block or the message has a title only.
pub fn trailers(message: &str) -> Vec<Trailer<'_>> {
    let lines: Vec<&str> = message
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        // Comment lines never reach a commit, but a message read from a file may hold them.
        .filter(|line| !line.starts_with('#'))
        .collect();
    let Some(last_text) = lines.iter().rposition(|line| !line.trim().is_empty()) else {
        return Vec::new();
    };
    let block_start = lines[..=last_text]
        .iter()
        .rposition(|line| line.trim().is_empty())
        .map_or(0, |blank| blank + 1);
    // The first paragraph is the title: git never reads it as trailers.
    let title_end = lines
        .iter()
        .position(|line| line.trim().is_empty())
        .unwrap_or(lines.len());
    if block_start == 0 || block_start < title_end {
        return Vec::new();
    }
    let block = &lines[block_start..=last_text];

    let mut found: Vec<Trailer<'_>> = Vec::new();
    let mut other_lines = 0usize;
    let mut git_generated = false;
    for line in block {
        if line.starts_with([' ', '\t']) {
            if let Some(previous) = found.last_mut() {
                previous.value.push(' ');
                previous.value.push_str(line.trim());
                continue;
            }
            other_lines += 1;
            continue;
        }
        if line.starts_with("(cherry picked from commit ") {
            git_generated = true;
            other_lines += 1;
            continue;
        }
        match split_trailer(line) {
            Some((key, value)) => {
                git_generated |= key.eq_ignore_ascii_case("signed-off-by");
                found.push(Trailer {
                    key,
                    value: value.to_string(),
                });
            }
            None => other_lines += 1,
        }
    }
    // git's rule: all trailer lines, or at least a quarter of them with one git wrote itself.
    let is_block = !found.is_empty()
        && (other_lines == 0 || (git_generated && found.len() * 3 >= other_lines));
    if is_block {
        found
    } else {
        Vec::new()
    }
}

/// `Key: value` where the key is a token (letters, digits, `-`), as git requires.
fn split_trailer(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim_end();
    let is_token = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    is_token.then(|| (key, value.trim()))
}

#[cfg(test)]
mod tests {
    use expect_test::{expect, Expect};

    use super::trailers;

    fn check(message: &str, expected: Expect) {
        let rendered: Vec<String> = trailers(message)
            .iter()
            .map(|t| format!("{} = {}", t.key, t.value))
            .collect();
        expected.assert_debug_eq(&rendered);
    }

    #[test]
    fn trailer_blocks() {
        check(
            "Fix the parser\n\nBody text.\n\nCo-authored-by: Claude <noreply@anthropic.com>\nSigned-off-by: A <a@b>\n",
            expect![[r#"
                [
                    "Co-authored-by = Claude <noreply@anthropic.com>",
                    "Signed-off-by = A <a@b>",
                ]
            "#]],
        );
        // The title is never a trailer block.
        check(
            "Co-authored-by: Claude <noreply@anthropic.com>",
            expect![[r#"
                []
            "#]],
        );
        // A trailer-looking line inside the body, followed by prose, is not a trailer.
        check(
            "Title\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nThanks to everyone.\n",
            expect![[r#"
                []
            "#]],
        );
        // Continuation lines and CRLF.
        check(
            "Title\r\n\r\nReviewed-by: A\r\n  and B\r\nCo-Authored-By: Codex <noreply@openai.com>\r\n",
            expect![[r#"
                [
                    "Reviewed-by = A and B",
                    "Co-Authored-By = Codex <noreply@openai.com>",
                ]
            "#]],
        );
        // Mixed block: allowed with a git-generated trailer.
        check(
            "Title\n\nsome note\nSigned-off-by: A <a@b>\nCo-authored-by: X <x@y>\n",
            expect![[r#"
                [
                    "Signed-off-by = A <a@b>",
                    "Co-authored-by = X <x@y>",
                ]
            "#]],
        );
        check(
            "Title\n\nsee http://example.com: here\n",
            expect![[r#"
                []
            "#]],
        );
    }
}
