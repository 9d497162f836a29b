//! `provenance-ls report`: parses the range, runs `crate::report::build`
//! with a progress bar on stderr (only when stderr is a terminal), and
//! prints the JSON, writes the HTML page, or prints a summary for people.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use crate::report::{self, figures::DAY, GroupBy, PerClass, Report, ReportOptions};

use super::ReportArgs;

pub fn run(args: ReportArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => super::fail(message),
    }
}

fn run_inner(args: ReportArgs) -> Result<ExitCode, String> {
    // --as-of: "now" is that moment, and the range ends there.
    let now = match &args.as_of {
        Some(text) => {
            let path = args.path.clone().unwrap_or_else(|| ".".into());
            let history =
                crate::history::History::discover(&path, None).map_err(|e| e.to_string())?;
            super::moment(&history, Some(text))?.now
        }
        None => crate::clock::unix_seconds(),
    };
    let until = match &args.until {
        Some(text) => report::parse_when(text, now).map_err(|e| e.to_string())?,
        None => now,
    };
    let since = match &args.since {
        Some(text) if text == "all" => None,
        Some(text) => Some(report::parse_since(text, now).map_err(|e| e.to_string())?),
        // Last 365 days, from midnight UTC so that runs on the same day share a cache.
        None => Some((now - 365 * DAY).div_euclid(DAY) * DAY),
    };
    let by = match &args.by {
        Some(text) => Some(text.parse::<GroupBy>().map_err(|e| e.to_string())?),
        None => None,
    };
    // The export names each line's agent and model: its walk groups by model.
    let (by, hide_groups) = match (by, &args.export) {
        (None, Some(_)) => (Some(GroupBy::Model), true),
        (Some(GroupBy::Author | GroupBy::Directory), Some(_)) => {
            return Err(
                "--export names each line's agent and model: use it without --by, or with --by agent or model"
                    .to_string(),
            )
        }
        (by, _) => (by, false),
    };
    let options = ReportOptions {
        path: args.path.clone().unwrap_or_else(|| ".".into()),
        since,
        until,
        by,
        include_bots: args.include_bots,
        // A cache only helps a window that ends now: with --until the state
        // at HEAD is not the state asked for.
        use_cache: args.until.is_none()
            && args.as_of.is_none()
            && !args.no_cache
            && std::env::var_os("PROVENANCE_LS_NO_CACHE").is_none(),
        hotspots: 15,
        // For benchmarks that time the history walk alone.
        block_hotspots: !args.no_blocks && std::env::var_os("PROVENANCE_LS_NO_BLOCKS").is_none(),
        files: report::filter::FileRules {
            all_files: args.all_files,
            include: args.include.clone(),
            exclude: args.exclude.clone(),
        },
        human_authors: args.human_author.clone(),
        fix: match &args.fix_pattern {
            Some(p) => {
                crate::blocks::FixPattern::new(p).map_err(|e| format!("--fix-pattern: {e}"))?
            }
            None => crate::blocks::FixPattern::default_pattern().clone(),
        },
        export: args.export.clone(),
        prices: match &args.prices {
            Some(file) => Some(report::cost::Prices::read(file)?),
            None => None,
        },
    };

    // The bar appears only on long runs, and only when a person watches stderr.
    let watched = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut bar: Option<(report::Stage, indicatif::ProgressBar)> = None;
    let report = report::build(&options, &mut |p| {
        if !watched || started.elapsed() < Duration::from_millis(500) {
            return;
        }
        if bar.as_ref().is_none_or(|(stage, _)| *stage != p.stage) {
            if let Some((_, old)) = bar.take() {
                old.finish_and_clear();
            }
            bar = Some((p.stage, progress_bar(p.stage, p.total)));
        }
        if let Some((_, b)) = &bar {
            b.set_length(p.total);
            b.set_position(p.done);
        }
    })
    .map_err(|e| e.to_string())?;
    if let Some((_, b)) = bar {
        b.finish_and_clear();
    }
    let mut report = report;
    if hide_groups {
        report.by = None;
        report.groups.clear();
    }

    if let Some(file) = &args.html {
        std::fs::write(file, report::render_html(&report))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        writeln!(out, "{text}")
    } else if args.html.is_some() {
        Ok(())
    } else {
        out.write_all(summary(&report).as_bytes())
    };
    match written {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.to_string()),
    }
}

/// A bar on stderr for one stage: the share done in percent, then how many
/// of how many (`37% [=====>    ] 1402/3781 commits walked (eta 12s)`).
fn progress_bar(stage: report::Stage, total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    let template = format!(
        "{{percent:>3}}% {{bar:40}} {{pos}}/{{len}} {} ({{eta}})",
        stage.label()
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"))
}

fn row(out: &mut String, label: &str, v: &PerClass<String>) {
    let line = format!(
        "  {label:<28} {:>10} {:>10} {:>12} {:>10}",
        v.ai, v.human, v.no_evidence, v.unknown
    );
    out.push_str(line.trim_end());
    out.push('\n');
}

fn texts<T>(p: &PerClass<T>, f: impl Fn(&T) -> String) -> PerClass<String> {
    PerClass {
        ai: f(&p.ai),
        human: f(&p.human),
        no_evidence: f(&p.no_evidence),
        unknown: f(&p.unknown),
    }
}

/// The readable terminal summary.
pub fn summary(r: &Report) -> String {
    let mut s = String::new();
    let since = r
        .range
        .since
        .as_deref()
        .map_or("the first commit", |t| &t[..10]);
    s.push_str(&format!("AI vs human code in {}\n", r.name));
    s.push_str(&format!(
        "from {since} to {}, HEAD {}\n\n",
        &r.range.until[..10],
        r.head.as_deref().map_or("", |h| &h[..h.len().min(10)])
    ));
    row(
        &mut s,
        "",
        &PerClass {
            ai: "AI".into(),
            human: "human".into(),
            no_evidence: "no evidence".into(),
            unknown: "unknown".into(),
        },
    );
    let f = &r.figures;
    let count = |p: &PerClass<u64>| texts(p, u64::to_string);
    let percent = |p: &PerClass<Option<f64>>| texts(p, |x| pct(*x));
    row(&mut s, "commits", &count(&f.commits));
    row(&mut s, "lines added", &count(&f.lines_added));
    row(&mut s, "lines deleted", &count(&f.lines_deleted));
    row(&mut s, "churn within 14 days", &percent(&f.churn14d));
    row(
        &mut s,
        "rework per line added",
        &texts(&f.rework_per_line, |x| num(*x)),
    );
    row(&mut s, "lines fixed later", &count(&f.fixes.fixed_lines));
    row(
        &mut s,
        "fixes per 1,000 lines",
        &texts(&f.fixes.fixes_per1000_lines, |x| {
            x.map_or_else(|| "–".to_string(), |v| format!("{v:.1}"))
        }),
    );
    let days = |d: &Option<u32>| d.map_or_else(|| "–".to_string(), |d| format!("{d} d"));
    row(
        &mut s,
        "days to fix: median / p90",
        &texts(&f.fixes.days_to_fix, |d| {
            format!("{} / {}", days(&d.median), days(&d.p90))
        }),
    );
    for (i, p) in f.survival.ai.iter().enumerate() {
        let label = format!(
            "alive after {} day{}",
            p.days,
            if p.days == 1 { "" } else { "s" }
        );
        row(
            &mut s,
            &label,
            &PerClass {
                ai: pct(p.share),
                human: pct(f.survival.human[i].share),
                no_evidence: pct(f.survival.no_evidence[i].share),
                unknown: String::new(),
            },
        );
    }
    let landed = &r.outcomes.landed;
    if let Some(survival) = &landed.survival {
        row(
            &mut s,
            "churn 14d after landing",
            &percent(&landed.churn14d),
        );
        if let Some(p) = survival.ai.iter().position(|p| p.days == 21) {
            row(
                &mut s,
                "alive 21 days after landing",
                &PerClass {
                    ai: pct(survival.ai[p].share),
                    human: pct(survival.human[p].share),
                    no_evidence: pct(survival.no_evidence[p].share),
                    unknown: String::new(),
                },
            );
        }
    }
    if let Some(t) = &r.outcomes.tokens {
        s.push_str(&tokens_summary(t));
    }
    s.push_str(&format!(
        "\n  evidence: {} of the lines added say who wrote them (AI: trailers, notes, trace records; \
         human: git-ai h_ records, text typed with provenance-ls, {}); the rest is \"no evidence\", not human. \"unknown\": written before the range.\n",
        pct(r.coverage),
        if r.human_authors.is_empty() {
            "authors declared with --human-author".to_string()
        } else {
            format!("declared human authors: {}", r.human_authors.join(", "))
        }
    ));
    s.push_str(&format!(
        "  {} merge commits not counted again; {} bot commits {}.\n",
        r.merges,
        r.bot_commits,
        if r.bots_included {
            "included"
        } else {
            "left out (--include-bots keeps them)"
        }
    ));
    if r.files.left_out.is_empty() {
        s.push_str("  left out: nothing");
        s.push_str(if r.files.all_files {
            " (--all-files)\n"
        } else {
            "\n"
        });
    } else {
        let files: u64 = r.files.left_out.iter().map(|l| l.files).sum();
        let lines: u64 = r.files.left_out.iter().map(|l| l.lines_added).sum();
        s.push_str(&format!(
            "  left out: {files} files, {lines} lines added (--all-files counts them):\n"
        ));
        let width = r
            .files
            .left_out
            .iter()
            .map(|l| l.why.len())
            .max()
            .unwrap_or(0);
        for l in &r.files.left_out {
            s.push_str(&format!(
                "    {:<width$} {:>5} file{} {:>9} lines  e.g. {}\n",
                l.why,
                l.files,
                if l.files == 1 { " " } else { "s" },
                l.lines_added,
                l.paths
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if r.skipped.objects > 0 {
        s.push_str(&format!(
            "  skipped: {} objects missing, e.g. {}\n",
            r.skipped.objects,
            r.skipped.paths.join(", ")
        ));
    }
    if !r.hotspots.is_empty() {
        s.push_str("\nHotspots (code files riskiest to maintain now)\n");
        s.push_str(&format!(
            "  {:>4}  {:>8}  {:>7}  {}\n",
            "risk", "AI share", "commits", "path"
        ));
        for h in r.hotspots.iter().take(10) {
            let name = h
                .name
                .as_deref()
                .map(|n| format!(" :: {n}"))
                .unwrap_or_default();
            s.push_str(&format!(
                "  {:>4}  {:>8}  {:>7}  {}{name}\n",
                h.risk,
                pct(h.ai_share),
                h.commits,
                h.path
            ));
        }
    }
    if !r.block_hotspots.is_empty() {
        s.push_str("\nRiskiest blocks in those files\n");
        s.push_str(&format!(
            "  {:>4}  {:>8}  {:>7}  {}\n",
            "risk", "AI share", "commits", "block"
        ));
        for h in r.block_hotspots.iter().take(10) {
            let name = h.name.as_deref().unwrap_or("");
            s.push_str(&format!(
                "  {:>4}  {:>8}  {:>7}  {} :: {name}\n",
                h.risk,
                pct(h.ai_share),
                h.commits,
                h.path
            ));
        }
    }
    s.push_str(&crate::report::risk_check::terminal(r.risk_check.as_ref()));
    for g in &r.groups {
        let f = &g.figures;
        s.push_str(&format!(
            "\n{}: commits AI {} / human {} / no evidence {}; lines added AI {} / human {} / no evidence {}; \
             churn 14d AI {} / human {} / no evidence {}",
            g.key,
            f.commits.ai,
            f.commits.human,
            f.commits.no_evidence,
            f.lines_added.ai,
            f.lines_added.human,
            f.lines_added.no_evidence,
            pct(f.churn14d.ai),
            pct(f.churn14d.human),
            pct(f.churn14d.no_evidence)
        ));
    }
    if !r.groups.is_empty() {
        s.push('\n');
    }
    s
}

/// What assistant lines cost, in two lines.
fn tokens_summary(t: &report::cost::Tokens) -> String {
    let usd = |x: Option<f64>| x.map_or_else(String::new, |v| format!(" (${v:.2})"));
    let alive: Vec<String> = t
        .total
        .alive
        .iter()
        .map(|a| {
            let per = a
                .tokens_per_line
                .map_or_else(|| "–".to_string(), |v| format!("{v:.0}"));
            format!("{} d {per}", a.days)
        })
        .collect();
    format!(
        "\n  tokens: {}{} on {:.0} assistant lines of {} commits{}; per line still alive after {}\n  \
         tokens spent on lines deleted or rewritten within 14 days: {:.0} ({})\n",
        t.total.tokens,
        usd(t.total.cost_usd),
        t.total.lines,
        t.commits,
        if t.priced { "" } else { " (no --prices: tokens only)" },
        alive.join(", "),
        t.total.churned14d_tokens,
        pct(t.total.churned14d_share),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A terminal that keeps what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_bar_shows_the_share_done_and_how_many_of_how_many() {
        let table = [
            (
                report::Stage::Commits,
                950,
                3800,
                " 25% ",
                "950/3800 commits walked",
            ),
            (
                report::Stage::BlockFiles,
                2,
                5,
                " 40% ",
                "2/5 files split into blocks",
            ),
        ];
        for (stage, done, total, percent, count) in table {
            let screen = Screen::default();
            let bar = progress_bar(stage, total);
            bar.set_draw_target(indicatif::ProgressDrawTarget::term_like(Box::new(
                screen.clone(),
            )));
            bar.set_position(done);
            bar.abandon();
            let drawn = screen.0.lock().unwrap().clone();
            assert!(drawn.contains(percent), "{drawn:?}");
            assert!(drawn.contains(count), "{drawn:?}");
        }
    }
}
