//! The report as one self-contained HTML page: inline CSS and inline SVG
//! charts drawn here (survival curves, churn by month), a figures table and
//! the hotspot table. Must never reference anything outside the page: no
//! scripts, fonts, images or links that load.

use std::fmt::Write;

use super::{Figures, MonthChurn, PerClass, Report, SurvivalPoint};

const AI: &str = "#7c3aed";
const HUMAN: &str = "#0891b2";
const UNKNOWN: &str = "#94a3b8";
const NO_EVIDENCE: &str = "#d97706";
const GRID: &str = "#e5e7eb";
const MUTED: &str = "#6b7280";

pub fn render_html(report: &Report) -> String {
    let mut page = String::with_capacity(64 * 1024);
    let name = if report.name.is_empty() {
        report.repository.as_str()
    } else {
        report.name.as_str()
    };
    let since = report
        .range
        .since
        .as_deref()
        .map_or("first commit", |s| &s[..10]);
    let until = &report.range.until[..10];
    let head = report.head.as_deref().map_or("", |h| &h[..h.len().min(10)]);
    let _ = write!(
        page,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AI vs human code — {title}</title>
<style>{CSS}</style></head><body><main>
<header><h1>How AI-written code survives in <span class="repo">{title}</span></h1>
<p class="sub">{since} → {until} · HEAD {head} · {commits} commits{cached} · made by <code>provenance-ls report</code></p></header>
"#,
        title = esc(name),
        commits = report.run.commits_walked + report.run.commits_from_cache,
        cached = if report.run.commits_from_cache > 0 {
            format!(
                " ({} read now, the rest from the cache)",
                report.run.commits_walked
            )
        } else {
            String::new()
        },
    );
    evidence_note(&mut page, report);
    cards(&mut page, &report.figures);
    page.push_str(r#"<section class="grid2">"#);
    let _ = write!(
        page,
        r#"<figure><figcaption><b>Survival of added lines</b><span>share of lines still alive N days after they were written (Kaplan–Meier)</span></figcaption>{}</figure>"#,
        survival_chart(&report.survival_curve)
    );
    let _ = write!(
        page,
        r#"<figure><figcaption><b>Churn within 14 days, by month written</b><span>share of the month's added lines replaced or deleted within 14 days</span></figcaption>{}</figure>"#,
        churn_chart(&report.churn_by_month)
    );
    page.push_str("</section>");
    let _ = write!(
        page,
        r#"<p class="sub">Survival and churn above are counted from each line's commit (the commit clock). Counted from when a line reached the default branch (the landed clock): the table below.</p>"#
    );
    fixes_section(&mut page, report);
    figures_table(&mut page, &report.figures);
    landed_table(&mut page, report);
    tokens_table(&mut page, report);
    left_out(&mut page, report);
    hotspots(&mut page, report);
    super::risk_check::html(&mut page, report.risk_check.as_ref());
    let _ = write!(
        page,
        r#"<footer>{merges} merge commits were not counted again (their changes come from their own commits); {bots} bot commits {bot_note}.
Lines written before the range are “unknown”. How each figure is computed: docs/report.md. Schema {schema}.</footer>
</main></body></html>
"#,
        merges = report.merges,
        bots = report.bot_commits,
        bot_note = if report.bots_included {
            "are included"
        } else {
            "are left out"
        },
        schema = esc(&report.schema),
    );
    page
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;background:#f8fafc;color:#111827;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 28px 40px}
h1{font-size:26px;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:17px;margin:28px 0 10px}
.repo{color:#7c3aed}
.sub{color:#6b7280;margin:0 0 20px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef2f7;padding:1px 5px;border-radius:4px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:14px;margin-bottom:18px}
.card .pair{gap:12px!important}.card .v{font-size:21px!important}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:14px 16px}
.card .label{color:#6b7280;font-size:12.5px;text-transform:uppercase;letter-spacing:.04em}
.card .pair{display:flex;gap:18px;margin-top:6px;align-items:baseline}
.card .v{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums}
.card .k{font-size:12px;color:#6b7280;display:block}
.ai{color:#7c3aed}.human{color:#0891b2}.none{color:#d97706}
.note{background:#fff;border:1px solid #e5e7eb;border-left:4px solid #d97706;border-radius:8px;padding:10px 14px;margin:0 0 16px;font-size:14px}
.note.warn{border-left-color:#dc2626}
.cov{display:flex;height:10px;border-radius:5px;overflow:hidden;margin:8px 0 4px;background:#e5e7eb}
.cov i{display:block;height:100%}
td.eg{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:normal;color:#374151;text-align:left}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:14px}
figure{margin:0;background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:14px 16px}
figcaption b{display:block;font-size:15px}
figcaption span{display:block;color:#6b7280;font-size:12.5px;margin-bottom:6px}
svg{display:block;width:100%;height:auto}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e5e7eb;border-radius:12px;overflow:hidden}
th,td{padding:8px 12px;text-align:right;border-bottom:1px solid #f1f5f9;font-variant-numeric:tabular-nums}
th{background:#f8fafc;color:#374151;font-weight:600;font-size:13px}
td:first-child,th:first-child{text-align:left}
td,th{white-space:nowrap}
td.path{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all;white-space:normal;width:45%}
.bar{display:inline-block;width:90px;height:8px;background:#e0f2fe;border-radius:4px;vertical-align:middle;margin-right:8px;overflow:hidden}
.bar i{display:block;height:100%;background:#7c3aed}
.risk{display:inline-block;min-width:36px;padding:1px 8px;border-radius:10px;font-weight:600;text-align:center}
.r0{background:#dcfce7;color:#166534}.r1{background:#fef9c3;color:#854d0e}.r2{background:#fee2e2;color:#991b1b}
.legend{display:flex;gap:16px;font-size:12.5px;color:#374151;margin-top:4px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;vertical-align:-1px}
footer{color:#6b7280;font-size:12.5px;margin-top:26px}
"#;

pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// What the comparison rests on: the share of added lines with any
/// evidence, and what was skipped.
fn evidence_note(page: &mut String, report: &Report) {
    let a = &report.figures.lines_added;
    let written = (a.ai + a.human + a.no_evidence).max(1) as f64;
    let width = |n: u64| n as f64 / written * 100.0;
    let humans = if report.human_authors.is_empty() {
        "no author declared human (<code>--human-author</code>)".to_string()
    } else {
        format!("declared human: {}", esc(&report.human_authors.join(", ")))
    };
    let _ = write!(
        page,
        r#"<div class="note"><b>Evidence covers {cov} of the lines added.</b> <span class="ai">AI</span>: co-author trailers, notes, trace records ({ai} lines); <span class="human">human</span>: positive evidence only — git-ai human records, text typed in an editor with provenance-ls, {humans} ({human} lines); <span class="none">no evidence</span>: {none} lines, shown as such, not as human.
<div class="cov"><i style="width:{wa:.2}%;background:{AI}"></i><i style="width:{wh:.2}%;background:{HUMAN}"></i><i style="width:{wn:.2}%;background:{NO_EVIDENCE}"></i></div></div>"#,
        cov = pct(report.coverage),
        ai = a.ai,
        human = a.human,
        none = a.no_evidence,
        wa = width(a.ai),
        wh = width(a.human),
        wn = width(a.no_evidence),
    );
    if report.skipped.objects > 0 {
        let _ = write!(
            page,
            r#"<div class="note warn"><b>skipped: {} objects missing</b> (not in this clone), e.g. <code>{}</code>; their lines are left out, everything else is counted.</div>"#,
            report.skipped.objects,
            esc(&report.skipped.paths.join(", "))
        );
    }
}

fn cards(page: &mut String, f: &Figures) {
    let share = |a: u64, all: u64| (all > 0).then(|| a as f64 / all as f64);
    let at =
        |s: &[SurvivalPoint], days: u32| s.iter().find(|p| p.days == days).and_then(|p| p.share);
    let card = |label: &str, ai: String, human: String, none: String| {
        format!(
            r#"<div class="card"><div class="label">{label}</div><div class="pair"><div><span class="v ai">{ai}</span><span class="k">AI</span></div><div><span class="v human">{human}</span><span class="k">human</span></div><div><span class="v none">{none}</span><span class="k">no evidence</span></div></div></div>"#
        )
    };
    let a = &f.lines_added;
    let written = a.ai + a.human + a.no_evidence;
    page.push_str(r#"<section class="cards">"#);
    page.push_str(&card(
        &format!("Lines added ({written})"),
        pct(share(a.ai, written)),
        pct(share(a.human, written)),
        pct(share(a.no_evidence, written)),
    ));
    page.push_str(&card(
        "Churn within 14 days",
        pct(f.churn14d.ai),
        pct(f.churn14d.human),
        pct(f.churn14d.no_evidence),
    ));
    page.push_str(&card(
        "Alive after 90 days",
        pct(at(&f.survival.ai, 90)),
        pct(at(&f.survival.human, 90)),
        pct(at(&f.survival.no_evidence, 90)),
    ));
    let num = |x: Option<f64>| x.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"));
    page.push_str(&card(
        "Rework per line added",
        num(f.rework_per_line.ai),
        num(f.rework_per_line.human),
        num(f.rework_per_line.no_evidence),
    ));
    page.push_str("</section>");
}

/// The files left out of every figure, by reason.
fn left_out(page: &mut String, report: &Report) {
    let files = &report.files;
    page.push_str("<h2>Left out: files that are not code written by hand</h2>");
    if files.left_out.is_empty() {
        let _ = write!(
            page,
            r#"<p class="sub">Nothing was left out{}.</p>"#,
            if files.all_files {
                " (--all-files)"
            } else {
                ""
            }
        );
        return;
    }
    page.push_str(r#"<table><thead><tr><th>why</th><th>files</th><th>lines added</th><th style="text-align:left">e.g.</th></tr></thead><tbody>"#);
    for l in &files.left_out {
        let _ = write!(
            page,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="eg">{}</td></tr>"#,
            esc(&l.why),
            l.files,
            l.lines_added,
            esc(&l
                .paths
                .iter()
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "))
        );
    }
    page.push_str("</tbody></table>");
    page.push_str(r#"<p class="sub">Their lines are in no figure above; <code>--all-files</code>, <code>--include</code> and <code>--exclude</code> change the rules (docs/report.md).</p>"#);
}

/// Survival curves as step lines, x in days on a square-root scale so the
/// first weeks (where most churn happens) get room, y from 0 to 100 %.
fn survival_chart(curves: &super::Survival) -> String {
    curve_chart(curves, "survival curves", Some(1.0))
}

/// Share of added lines a fix commit had changed N days after they were
/// written, by origin; the axis ends at the next 5 % above the highest curve.
fn fix_curve_chart(curves: &super::Survival) -> String {
    curve_chart(curves, "time to fix", None)
}

/// Step curves of the three origins against days on a square-root axis:
/// the survival curves (`top` 1.0) and the time-to-fix curves (`top` from
/// the data).
fn curve_chart(curves: &super::Survival, aria: &str, top: Option<f64>) -> String {
    let sets = [
        (&curves.no_evidence[..], NO_EVIDENCE, "no evidence"),
        (&curves.human[..], HUMAN, "human"),
        (&curves.ai[..], AI, "AI"),
    ];
    let (w, h) = (520.0, 300.0);
    let (l, r, t, b) = (44.0, 14.0, 12.0, 34.0);
    let last = |s: &[SurvivalPoint]| s.iter().rposition(|p| p.share.is_some()).unwrap_or(0);
    let last_day = sets.iter().map(|s| last(s.0)).max().unwrap_or(0);
    let max_day = last_day.max(30) as f64;
    let whole = top.is_some();
    let top = top.unwrap_or_else(|| {
        let highest = sets
            .iter()
            .flat_map(|s| s.0.iter().filter_map(|p| p.share))
            .fold(0.0f64, f64::max);
        ((highest * 20.0).ceil() / 20.0).max(0.05)
    });
    let x = |d: f64| l + (d / max_day).sqrt() * (w - l - r);
    let y = |s: f64| t + (1.0 - s / top) * (h - t - b);
    let mut svg = format!(r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="{aria}">"#);
    for i in 0..=4 {
        let s = top * i as f64 / 4.0;
        let percent = if whole {
            format!("{}", (s * 100.0) as u32)
        } else {
            format!("{:.1}", s * 100.0)
        };
        let _ = write!(
            svg,
            r#"<line x1="{l}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{}" y="{:.1}" font-size="11" fill="{MUTED}" text-anchor="end">{percent}%</text>"#,
            w - r,
            l - 6.0,
            y(s) + 4.0,
            y = y(s)
        );
    }
    for d in [0.0, 1.0, 7.0, 21.0, 90.0, 180.0, 365.0] {
        if d > max_day {
            continue;
        }
        let label = if d == 0.0 {
            "0".to_string()
        } else {
            format!("{d}d")
        };
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{t}" y2="{}" stroke="{GRID}"/><text x="{x:.1}" y="{}" font-size="11" fill="{MUTED}" text-anchor="middle">{label}</text>"#,
            h - b,
            h - b + 16.0,
            x = x(d)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" font-size="11" fill="{MUTED}" text-anchor="middle">days since the line was written</text>"#,
        (l + w - r) / 2.0,
        h - 4.0
    );
    for (points, colour, label) in sets {
        let mut d = String::new();
        let mut prev: Option<f64> = None;
        for p in points {
            let Some(s) = p.share else { break };
            let px = x(f64::from(p.days));
            match prev {
                None => {
                    let _ = write!(d, "M{px:.1},{:.1}", y(s));
                }
                Some(ps) => {
                    let _ = write!(d, " L{px:.1},{:.1} L{px:.1},{:.1}", y(ps), y(s));
                }
            }
            prev = Some(s);
        }
        if !d.is_empty() {
            let _ = write!(
                svg,
                r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round"><title>{label}</title></path>"#
            );
        }
    }
    if last_day == 0 {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="13" fill="{MUTED}" text-anchor="middle">No added line has been watched for a whole day yet.</text>"#,
            (l + w - r) / 2.0,
            (t + h - b) / 2.0
        );
    }
    svg.push_str("</svg>");
    svg.push_str(&legend(&[
        ("AI", AI),
        ("human", HUMAN),
        ("no evidence", NO_EVIDENCE),
    ]));
    svg
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut s = String::from(r#"<div class="legend">"#);
    for (label, colour) in items {
        let _ = write!(
            s,
            r#"<span><i style="background:{colour}"></i>{label}</span>"#
        );
    }
    s.push_str("</div>");
    s
}

/// Grouped bars per month: churn share of AI lines and of human lines.
fn churn_chart(months: &[MonthChurn]) -> String {
    let (w, h) = (520.0, 300.0);
    let (l, r, t, b) = (44.0, 10.0, 12.0, 34.0);
    let shown: Vec<&MonthChurn> = months
        .iter()
        .rev()
        .take(18)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let top = shown
        .iter()
        .flat_map(|m| [m.churn14d.ai, m.churn14d.human, m.churn14d.no_evidence])
        .flatten()
        .fold(0.1f64, f64::max);
    // Quarter ticks on whole percents.
    let top = (top / 0.04).ceil() * 0.04;
    let y = |s: f64| t + (1.0 - s / top) * (h - t - b);
    let mut svg = format!(r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="churn by month">"#);
    for i in 0..=4 {
        let s = top * i as f64 / 4.0;
        let _ = write!(
            svg,
            r#"<line x1="{l}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{}" y="{:.1}" font-size="11" fill="{MUTED}" text-anchor="end">{:.0}%</text>"#,
            w - r,
            l - 6.0,
            y(s) + 4.0,
            s * 100.0,
            y = y(s)
        );
    }
    if shown.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="13" fill="{MUTED}" text-anchor="middle">no lines added in the range</text>"#,
            w / 2.0,
            h / 2.0
        );
    }
    let slot = (w - l - r) / shown.len().max(1) as f64;
    let bar = (slot * 0.27).min(18.0);
    for (i, m) in shown.iter().enumerate() {
        let cx = l + slot * (i as f64 + 0.5);
        let opacity = if m.partial { "0.45" } else { "1" };
        for (k, (value, colour, who, lines)) in [
            (m.churn14d.ai, AI, "AI", m.lines_added.ai),
            (m.churn14d.human, HUMAN, "human", m.lines_added.human),
            (
                m.churn14d.no_evidence,
                NO_EVIDENCE,
                "no evidence",
                m.lines_added.no_evidence,
            ),
        ]
        .iter()
        .enumerate()
        {
            let Some(v) = value else { continue };
            let bx = cx - 1.5 * bar + k as f64 * bar;
            let _ = write!(
                svg,
                r#"<rect x="{bx:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="2" fill="{colour}" opacity="{opacity}"><title>{} {who}: {:.1}% of {} lines</title></rect>"#,
                y(*v),
                bar - 1.0,
                (h - b) - y(*v),
                m.month,
                v * 100.0,
                lines
            );
        }
        let every = shown.len().div_ceil(7).max(1);
        if i % every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{cx:.1}" y="{}" font-size="11" fill="{MUTED}" text-anchor="middle">{}</text>"#,
                h - b + 16.0,
                short_month(&m.month, i == 0)
            );
        }
    }
    svg.push_str("</svg>");
    let mut l = legend(&[("AI", AI), ("human", HUMAN), ("no evidence", NO_EVIDENCE)]);
    if shown.iter().any(|m| m.partial) {
        l = l.replace(
            "</div>",
            r#"<span style="color:#6b7280">faded: month not yet watched 14 days</span></div>"#,
        );
    }
    svg.push_str(&l);
    svg
}

/// `Mar`, or `Jan 2026` for the first month shown and for Januaries.
fn short_month(month: &str, first: bool) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m) = month.split_once('-').unwrap_or((month, "1"));
    let m: usize = m.parse().unwrap_or(1);
    let name = NAMES[(m.max(1) - 1).min(11)];
    if first || m == 1 {
        format!("{name} {y}")
    } else {
        name.to_string()
    }
}

fn figures_table(page: &mut String, f: &Figures) {
    page.push_str("<h2>All figures</h2><table><thead><tr><th></th>");
    let _ = write!(
        page,
        r#"<th class="ai">AI</th><th class="human">human</th><th class="none">no evidence</th><th style="color:{UNKNOWN}">unknown (before the range)</th></tr></thead><tbody>"#
    );
    let row = |page: &mut String, label: &str, v: PerClass<String>| {
        let _ = write!(
            page,
            "<tr><td>{label}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            v.ai, v.human, v.no_evidence, v.unknown
        );
    };
    let n = |p: &PerClass<u64>| PerClass {
        ai: p.ai.to_string(),
        human: p.human.to_string(),
        no_evidence: p.no_evidence.to_string(),
        unknown: p.unknown.to_string(),
    };
    let pcts = |p: &PerClass<Option<f64>>| PerClass {
        ai: pct(p.ai),
        human: pct(p.human),
        no_evidence: pct(p.no_evidence),
        unknown: pct(p.unknown),
    };
    row(page, "commits", n(&f.commits));
    row(page, "lines added", n(&f.lines_added));
    row(
        page,
        "lines deleted (by the deleting commit)",
        n(&f.lines_deleted),
    );
    row(
        page,
        "lines deleted (by who wrote them)",
        n(&f.lines_deleted_by_origin),
    );
    row(page, "churn within 14 days", pcts(&f.churn14d));
    let num = |x: Option<f64>| x.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"));
    row(
        page,
        "rework per line added",
        PerClass {
            ai: num(f.rework_per_line.ai),
            human: num(f.rework_per_line.human),
            no_evidence: num(f.rework_per_line.no_evidence),
            unknown: num(f.rework_per_line.unknown),
        },
    );
    for ((a, h), none) in f
        .survival
        .ai
        .iter()
        .zip(&f.survival.human)
        .zip(&f.survival.no_evidence)
    {
        row(
            page,
            &format!(
                "alive after {} day{}",
                a.days,
                if a.days == 1 { "" } else { "s" }
            ),
            PerClass {
                ai: pct(a.share),
                human: pct(h.share),
                no_evidence: pct(none.share),
                unknown: "–".into(),
            },
        );
    }
    page.push_str("</tbody></table>");
}

fn hotspots(page: &mut String, report: &Report) {
    page.push_str("<h2>Hotspots: the code files riskiest to maintain now</h2>");
    if report.hotspots.is_empty() {
        page.push_str(r#"<p class="sub">No file changed in the range.</p>"#);
    } else {
        hotspot_table(page, "file", &report.hotspots);
    }
    if !report.block_hotspots.is_empty() {
        page.push_str("<h2>The riskiest blocks in those files</h2>");
        hotspot_table(page, "block", &report.block_hotspots);
    }
}

fn hotspot_table(page: &mut String, what: &str, spots: &[super::Hotspot]) {
    let _ = write!(
        page,
        "<table><thead><tr><th>{what}</th><th>risk</th><th>AI share of its lines</th><th>commits</th><th>authors</th><th>churn 14d</th><th>lines</th></tr></thead><tbody>"
    );
    for h in spots {
        let class = match h.risk {
            0..=33 => "r0",
            34..=66 => "r1",
            _ => "r2",
        };
        let share = h.ai_share.unwrap_or(0.0);
        let name = h
            .name
            .as_deref()
            .map(|n| format!(" <b>{}</b>", esc(n)))
            .unwrap_or_default();
        let _ = write!(
            page,
            r#"<tr><td class="path">{}{name}</td><td><span class="risk {class}">{}</span></td><td><span class="bar"><i style="width:{:.0}%"></i></span>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&h.path),
            h.risk,
            share * 100.0,
            pct(h.ai_share),
            h.commits,
            h.authors,
            pct(h.churn14d),
            h.lines
        );
    }
    page.push_str("</tbody></table>");
}

/// Fixes by origin: fixes per 1,000 lines added (bars) and the share of
/// lines fixed N days after they were written (a step curve).
fn fixes_section(page: &mut String, report: &Report) {
    let f = &report.figures.fixes;
    let _ = write!(
        page,
        r#"<h2>What the code needed afterwards: fix commits</h2><p class="sub">A fix commit is one whose message matches <code>{}</code> (as <code>backtest</code>; reverts included).</p><section class="grid2">"#,
        esc(&report.outcomes.fix_pattern)
    );
    // Bars: fix commits per 1,000 lines added.
    let bars = [
        ("AI", AI, f.fixes_per1000_lines.ai, f.fixed_lines.ai),
        (
            "human",
            HUMAN,
            f.fixes_per1000_lines.human,
            f.fixed_lines.human,
        ),
        (
            "no evidence",
            NO_EVIDENCE,
            f.fixes_per1000_lines.no_evidence,
            f.fixed_lines.no_evidence,
        ),
    ];
    let (w, h) = (520.0, 300.0);
    let (l, r, t, b) = (96.0, 60.0, 20.0, 20.0);
    let max = bars
        .iter()
        .filter_map(|b| b.2)
        .fold(0.0f64, f64::max)
        .max(1.0);
    let mut svg =
        format!(r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="fixes per 1,000 lines">"#);
    let step = (h - t - b) / bars.len() as f64;
    for (i, (label, colour, value, fixed)) in bars.iter().enumerate() {
        let y = t + step * i as f64 + step * 0.2;
        let bar_h = step * 0.6;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}" font-size="12" fill="{MUTED}" text-anchor="end">{label}</text>"#,
            l - 8.0,
            y + bar_h / 2.0 + 4.0
        );
        let text = match value {
            Some(v) => {
                let len = v / max * (w - l - r);
                let _ = write!(
                    svg,
                    r#"<rect x="{l}" y="{y:.1}" width="{len:.1}" height="{bar_h:.1}" rx="3" fill="{colour}"><title>{label}: {fixed} lines fixed</title></rect>"#
                );
                format!("{v:.1}")
            }
            None => "–".to_string(),
        };
        let len = value.map_or(0.0, |v| v / max * (w - l - r));
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#111827">{text}</text>"##,
            l + len + 6.0,
            y + bar_h / 2.0 + 4.0
        );
    }
    svg.push_str("</svg>");
    let _ = write!(
        page,
        r#"<figure><figcaption><b>Fix commits per 1,000 lines added</b><span>fix commits that changed or deleted lines of each origin, per 1,000 lines it added</span></figcaption>{svg}</figure>"#
    );
    let curve = report
        .outcomes
        .time_to_fix_curve
        .as_ref()
        .map(fix_curve_chart)
        .unwrap_or_default();
    let _ = write!(
        page,
        r#"<figure><figcaption><b>Time to fix</b><span>share of added lines a fix commit had changed N days after they were written (Kaplan–Meier, lines deleted otherwise or alive are censored)</span></figcaption>{curve}</figure></section>"#
    );
    let days = |d: &super::outcomes::DaysToFix| {
        let one = |x: Option<u32>| x.map_or_else(|| "–".to_string(), |d| format!("{d} d"));
        format!("{} / {}", one(d.median), one(d.p90))
    };
    let _ = write!(
        page,
        r#"<table style="margin-top:14px"><thead><tr><th></th><th class="ai">AI</th><th class="human">human</th><th class="none">no evidence</th></tr></thead><tbody><tr><td>lines fixed later</td><td>{}</td><td>{}</td><td>{}</td></tr><tr><td>fix commits</td><td>{}</td><td>{}</td><td>{}</td></tr><tr><td>days to fix: median / p90</td><td>{}</td><td>{}</td><td>{}</td></tr></tbody></table>"#,
        f.fixed_lines.ai,
        f.fixed_lines.human,
        f.fixed_lines.no_evidence,
        f.fix_commits.ai,
        f.fix_commits.human,
        f.fix_commits.no_evidence,
        days(&f.days_to_fix.ai),
        days(&f.days_to_fix.human),
        days(&f.days_to_fix.no_evidence),
    );
}

/// The landed clock: survival and churn from when lines reached the default branch.
fn landed_table(page: &mut String, report: &Report) {
    let landed = &report.outcomes.landed;
    let Some(survival) = &landed.survival else {
        return;
    };
    page.push_str(r#"<h2>After landing: counted from when lines reached the default branch</h2><p class="sub">The clock starts at the first-parent merge that brought a line's commit to HEAD's branch (or the commit, when made there). Lines rewritten on their branch before it was merged never landed.</p><table><thead><tr><th></th><th class="ai">AI</th><th class="human">human</th><th class="none">no evidence</th></tr></thead><tbody>"#);
    let row = |page: &mut String, label: &str, v: [String; 3]| {
        let _ = write!(
            page,
            "<tr><td>{label}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            v[0], v[1], v[2]
        );
    };
    let n = |p: &PerClass<u64>| {
        [
            p.ai.to_string(),
            p.human.to_string(),
            p.no_evidence.to_string(),
        ]
    };
    row(page, "lines that landed", n(&landed.lines_landed));
    row(
        page,
        "lines ended before landing",
        n(&landed.ended_before_landing),
    );
    row(
        page,
        "churn within 14 days of landing",
        [
            pct(landed.churn14d.ai),
            pct(landed.churn14d.human),
            pct(landed.churn14d.no_evidence),
        ],
    );
    for ((a, h), none) in survival
        .ai
        .iter()
        .zip(&survival.human)
        .zip(&survival.no_evidence)
    {
        row(
            page,
            &format!(
                "alive {} day{} after landing",
                a.days,
                if a.days == 1 { "" } else { "s" }
            ),
            [pct(a.share), pct(h.share), pct(none.share)],
        );
    }
    page.push_str("</tbody></table>");
}

/// Tokens and cost of assistant lines, per agent and model.
fn tokens_table(page: &mut String, report: &Report) {
    let Some(t) = &report.outcomes.tokens else {
        return;
    };
    let _ = write!(
        page,
        r#"<h2>What the assistant lines cost</h2><p class="sub">The usage agents' hooks recorded ({} commits' notes), spread over the assistant lines each commit added{}. Tokens per line still alive N days after it was written, of the commits written at least N days ago.</p><table><thead><tr><th>agent / model</th><th>tokens</th><th>cost</th><th>lines</th>"#,
        t.commits,
        if t.priced {
            ""
        } else {
            "; no price table given (<code>--prices</code>), so tokens only"
        }
    );
    for a in &t.total.alive {
        let _ = write!(page, "<th>per line alive {} d</th>", a.days);
    }
    page.push_str("<th>on lines gone within 14 d</th></tr></thead><tbody>");
    let row = |page: &mut String, key: &str, s: &super::cost::Spend| {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td>",
            esc(key),
            s.tokens,
            s.cost_usd
                .map_or_else(|| "–".to_string(), |c| format!("${c:.2}")),
            s.lines
        );
        for a in &s.alive {
            let _ = write!(
                page,
                "<td>{}</td>",
                a.tokens_per_line
                    .map_or_else(|| "–".to_string(), |v| format!("{v:.0}"))
            );
        }
        let _ = write!(page, "<td>{}</td></tr>", pct(s.churned14d_share));
    };
    row(page, "all assistants", &t.total);
    for k in &t.by_model {
        row(page, &k.key, &k.spend);
    }
    page.push_str("</tbody></table>");
}
