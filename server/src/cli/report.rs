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
    };

    // The bar appears only on long runs, and only when a person watches stderr.
    let watched = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let report = report::build(&options, &mut |p| {
        if bar.is_none() && watched && started.elapsed() > Duration::from_millis(500) {
            let b = indicatif::ProgressBar::new(p.total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "walking history {bar:40} {pos}/{len} commits ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_length(p.total);
            b.set_position(p.done);
        }
    })
    .map_err(|e| e.to_string())?;
    if let Some(b) = bar {
        b.finish_and_clear();
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
    s.push_str(&format!(
        "\n  evidence: {} of the lines added say who wrote them (AI: trailers, notes, trace records; \
         human: git-ai h_ records, {}); the rest is \"no evidence\", not human. \"unknown\": written before the range.\n",
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
