"""Two generated repositories, their reports and their exports: DuckDB's
answers over both exports must equal the reports' figures, repository by
repository and added up across the two.

Usage: check.py SERVER WORKDIR (run through tests/duckdb/run.sh)."""

import json
import os
import random
import subprocess
import sys

import duckdb

SERVER, WORK = sys.argv[1], sys.argv[2]
DAY = 86_400
T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
UNTIL = "2024-07-01"
UNTIL_T = T0 + 182 * DAY
CLAUDE = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"
CODEX = "\n\nCo-authored-by: Codex <noreply@openai.com>"
CLASSES = ["ai", "human", "noEvidence"]


def git(repo, day, *args, who=("Alice", "alice@example.com")):
    date = f"@{T0 + int(day * DAY)} +0000"
    env = dict(os.environ, GIT_AUTHOR_NAME=who[0], GIT_AUTHOR_EMAIL=who[1],
               GIT_COMMITTER_NAME=who[0], GIT_COMMITTER_EMAIL=who[1],
               GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    out = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=repo, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"git {args}: {out.stderr}")
    return out.stdout


def generate(name, seed, commits):
    """A history of `commits` commits over half a year: people and two
    assistants adding, rewriting and deleting lines of a few files, some
    commits fixes, some work on a branch merged days later."""
    rng = random.Random(seed)
    repo = os.path.join(WORK, name)
    os.makedirs(os.path.join(repo, "src"))
    git(repo, 0, "init", "-q", "-b", "main")
    files = {f"src/{f}.py": [] for f in ["a", "b", "c", "d"]}
    serial = 0
    day = 0.0
    people = [("Alice", "alice@example.com"), ("Bob", "bob@example.com")]

    def change(day, message, who):
        nonlocal serial
        path = rng.choice(sorted(files))
        lines = files[path]
        if lines and rng.random() < 0.5:
            start = rng.randrange(len(lines))
            end = min(len(lines), start + rng.randint(1, 4))
            new = [f"v{serial}_{i} = {rng.randint(0, 999)}" for i in range(rng.randint(0, 3))]
            serial += 1
            lines[start:end] = new
        else:
            at = rng.randint(0, len(lines))
            lines[at:at] = [f"n{serial}_{i} = {i}" for i in range(rng.randint(2, 8))]
            serial += 1
        with open(os.path.join(repo, path), "w") as f:
            f.write("".join(line + "\n" for line in lines))
        git(repo, day, "add", "-A")
        git(repo, day, "commit", "-q", "--allow-empty", "-m", message, who=who)

    for i in range(commits):
        day += rng.uniform(0.2, 2.0)
        who = rng.choice(people)
        kind = rng.random()
        trailer = CLAUDE if kind < 0.4 else CODEX if kind < 0.55 else ""
        message = ("Fix the edge case" if rng.random() < 0.25 else f"Change {i}") + trailer
        if i % 15 == 7:
            # A branch: three commits, merged a few days after the last.
            git(repo, day, "checkout", "-q", "-b", f"topic{i}")
            for j in range(3):
                change(day + j * 0.5, f"Topic {i}.{j}{CLAUDE}", who)
            git(repo, day, "checkout", "-q", "main")
            day += rng.uniform(3, 8)
            git(repo, day, "merge", "-q", "--no-ff", "-m", f"Merge topic{i}", f"topic{i}")
            continue
        change(day, message, who)
    return repo


def report(repo, export):
    out = subprocess.run(
        [SERVER, "report", repo, "--json", "--no-blocks", "--since", "all", "--until", UNTIL,
         "--human-author", "alice@example.com", "--export", export],
        capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"report {repo}: {out.stderr}")
    return json.loads(out.stdout)


passed = failed = 0


def check(what, expected, got):
    global passed, failed
    close = (expected == got) or (
        isinstance(expected, float) and isinstance(got, float) and abs(expected - got) < 1e-9)
    if close:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}: report {expected!r}, DuckDB {got!r}")


exports = os.path.join(WORK, "exports")
reports = {}
for name, seed, n in [("alpha", 1, 90), ("beta", 2, 60)]:
    repo = generate(name, seed, n)
    reports[name] = report(repo, os.path.join(exports, name))

db = duckdb.connect()
db.execute(f"CREATE VIEW lines AS SELECT * FROM read_parquet('{exports}/*/lines.parquet')")
db.execute(f"CREATE VIEW commits AS SELECT * FROM read_parquet('{exports}/*/commits.parquet')")


def per_repo(sql):
    """{(repository, origin): value} of a query grouped by both."""
    return {(r, o): v for r, o, v in db.execute(sql).fetchall()}


def r4(x):
    return None if x is None else round(x, 4)


added = per_repo("SELECT repository, origin, SUM(lines) FROM lines GROUP BY ALL")
fixed = per_repo("SELECT repository, origin, SUM(lines) FROM lines WHERE fix_commit IS NOT NULL GROUP BY ALL")
fixes = per_repo("SELECT repository, origin, COUNT(DISTINCT fix_commit) FROM lines GROUP BY ALL")
ended = per_repo("SELECT repository, origin, SUM(lines) FROM lines WHERE died_at IS NOT NULL GROUP BY ALL")
# Churn within 14 days: lines born on a day at least 14 days before the end,
# the share that ended at most 14 × 24 h after they were written.
last_day = (UNTIL_T - 14 * DAY) // DAY
churn = per_repo(f"""
    SELECT repository, origin,
           SUM(lines) FILTER (WHERE died_at IS NOT NULL AND died_at - added_at <= INTERVAL 14 DAY)
             / SUM(lines)
    FROM lines WHERE epoch(added_at) // 86400 <= {last_day} GROUP BY ALL""")
landed = per_repo("SELECT repository, origin, SUM(lines) FROM lines WHERE landed_at IS NOT NULL GROUP BY ALL")
landed_churn = per_repo(f"""
    SELECT repository, origin,
           SUM(lines) FILTER (WHERE died_at IS NOT NULL AND died_at - landed_at <= INTERVAL 14 DAY)
             / SUM(lines)
    FROM lines WHERE landed_at IS NOT NULL AND epoch(landed_at) // 86400 <= {last_day} GROUP BY ALL""")
merges = dict(db.execute("SELECT repository, COUNT(*) FILTER (WHERE merge) FROM commits GROUP BY ALL").fetchall())

for name, r in reports.items():
    check(f"{name} merges", r["merges"], merges.get(name, 0))
    for c in CLASSES:
        n = added.get((name, c), 0)
        check(f"{name} linesAdded.{c}", r["linesAdded"][c], n)
        check(f"{name} fixedLines.{c}", r["fixedLines"][c], fixed.get((name, c), 0))
        check(f"{name} fixCommits.{c}", r["fixCommits"][c], fixes.get((name, c), 0))
        per_1000 = r4(fixes.get((name, c), 0) * 1000 / n) if n else None
        check(f"{name} fixesPer1000Lines.{c}", r["fixesPer1000Lines"][c], per_1000)
        check(f"{name} linesDeletedByOrigin.{c}", r["linesDeletedByOrigin"][c], ended.get((name, c), 0))
        check(f"{name} churn14d.{c}", r["churn14d"][c], r4(churn.get((name, c))))
        check(f"{name} landed.linesLanded.{c}", r["landed"]["linesLanded"][c], landed.get((name, c), 0))
        check(f"{name} landed.churn14d.{c}", r["landed"]["churn14d"][c], r4(landed_churn.get((name, c))))

# Across both repositories: the README's query gives the sum of the reports.
total = dict(db.execute("SELECT origin, SUM(lines) FROM read_parquet(?) GROUP BY ALL",
                        [f"{exports}/*/lines.parquet"]).fetchall())
for c in CLASSES:
    check(f"both linesAdded.{c}", sum(r["linesAdded"][c] for r in reports.values()), total.get(c, 0))
    check(f"both fixedLines.{c}", sum(r["fixedLines"][c] for r in reports.values()),
          sum(fixed.get((n, c), 0) for n in reports))

# The JSON Lines say the same as the Parquet files.
for name in reports:
    with open(os.path.join(exports, name, "lines.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    check(f"{name} lines.jsonl rows", db.execute(
        "SELECT COUNT(*) FROM lines WHERE repository = ?", [name]).fetchone()[0], len(rows))
    check(f"{name} lines.jsonl lines", sum(reports[name]["linesAdded"][c] for c in CLASSES),
          sum(row["lines"] for row in rows))

for name, r in reports.items():
    print(f"{name}: linesAdded {r['linesAdded']}, fixedLines {r['fixedLines']}, "
          f"landed {r['landed']['linesLanded']}, churn14d {r['churn14d']}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
