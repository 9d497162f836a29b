//! One keystroke on a 10,000-line document holding 1,000 regions: the cost
//! `textDocument/didChange` pays in the provenance core for every key.
//! Run: `cargo bench -p provenance-ls --bench keystroke` (see docs/performance.md).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use provenance_ls::provenance::{
    Attribution, Change, Record, Region, Source, Thresholds, Workspace,
};

const LINES: usize = 10_000;
const REGIONS: usize = 1_000;
const LINE: &str = "    let value = compute(alpha, beta, gamma); // a typical line\n";

/// A workspace with one document of `LINES` lines and `REGIONS` two-line
/// regions spread evenly over it.
fn workspace() -> Workspace {
    let text = LINE.repeat(LINES);
    let line_len = LINE.chars().count();
    let step = LINES / REGIONS;
    let attribution = Attribution {
        source: Source::Completion,
        agent: Some("copilot".into()),
        model: None,
        usage: None,
    };
    let regions = (0..REGIONS)
        .map(|i| {
            let start = i * step * line_len;
            Region::new(i as u64 + 1, start..start + 2 * line_len, &attribution, 0)
        })
        .collect();
    let mut ws = Workspace::new(Thresholds::default());
    ws.apply_record(&Record::Snapshot {
        doc: "file:///big.rs".into(),
        seq: 1,
        version: 0,
        text,
        regions,
        typed: Vec::new(),
    });
    ws
}

fn keystroke(c: &mut Criterion) {
    let line_len = LINE.chars().count();
    let cases = [
        // line 5,005: between regions (regions cover lines 5000-5001, 5010-5011)
        ("keystroke_between_regions", 5_005 * line_len + 10),
        // line 5,000, inside a region: the region grows and is updated
        ("keystroke_inside_region", 5_000 * line_len + 10),
    ];
    for (name, at) in cases {
        let mut ws = workspace();
        let mut version = 0;
        c.bench_function(name, |b| {
            b.iter_batched(
                || {
                    version += 1;
                    version
                },
                |v| ws.change("file:///big.rs", v, &[Change::insert(at, "x")], 1_000),
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, keystroke);
criterion_main!(benches);
