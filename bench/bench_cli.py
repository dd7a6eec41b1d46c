"""The command line on the demo: start-up and every analytic command next to its floor.

    python bench/bench_cli.py                  # the 20,000-customer demo
    python bench/bench_cli.py --scale 0.1      # 2,000 customers
    python bench/bench_cli.py --repeat 7       # more runs per figure (medians are printed)

Floors, measured in the same run on the same machine:

* start-up: ``python -c "import duckdb"``;
* a command: the same question as hand-written DuckDB SQL over the workspace's
  Parquet files, in a fresh process (start Python, import duckdb, run, fetch). For
  the model-based commands (churn, clv, drivers) the floor is the SQL that
  prepares the model's data; fitting is not part of it.

Each command is timed *cold* (``CXLENS_NO_CACHE=1``: computed from the tables)
and *warm* (run again: answered from the workspace's result store where the
command keeps one). Goals: ``--help`` and ``--version`` under 0.3 s; every
command under 1 s warm, ``drivers`` under 2 s. Wall-clock medians; the machine's
load shows in the floor, so read the ratios. Python writes its bytecode as it does
for a user (``PYTHONDONTWRITEBYTECODE`` is dropped), after one run that writes it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CXLENS = [sys.executable, "-m", "cxlens"]

NPS = "CASE WHEN score >= 9 THEN 100 WHEN score <= 6 THEN -100 ELSE 0 END"

#: command -> (floor SQL, goal in seconds); {w} is the warehouse folder, {tz} the time zone
COMMANDS: dict[str, tuple[str, float]] = {
    "kpi nps": (
        f"SELECT count(*), avg({NPS}) FROM read_parquet('{{w}}/responses.parquet') "
        "WHERE kind = 'nps' AND score IS NOT NULL",
        1.0,
    ),
    "kpi nps csat ces --by country --period quarter --compare previous": (
        f"""SELECT c.country, date_trunc('quarter', timezone('{{tz}}', r.ts)) AS q, r.kind,
              count(*), avg({NPS}), avg(CASE WHEN score >= 4 THEN 1.0 ELSE 0 END), avg(score)
           FROM read_parquet('{{w}}/responses.parquet') r
           LEFT JOIN read_parquet('{{w}}/customers.parquet') c USING (customer_id)
           WHERE r.kind IN ('nps', 'csat', 'ces') AND r.score IS NOT NULL GROUP BY ALL""",
        1.0,
    ),
    "rfm": (
        f"""WITH o AS (SELECT customer_id, CAST(timezone('{{tz}}', ts) AS DATE) AS d, amount
                       FROM read_parquet('{{w}}/orders.parquet')),
           per AS (SELECT customer_id, (SELECT max(d) FROM o) - max(d) AS recency,
                          count(*) AS f, sum(amount) AS m FROM o GROUP BY 1),
           s AS (SELECT *, ntile(5) OVER (ORDER BY recency DESC, customer_id) AS r,
                           ntile(5) OVER (ORDER BY f, customer_id) AS fs,
                           ntile(5) OVER (ORDER BY m, customer_id) AS ms FROM per),
           seg AS (SELECT customer_id, f, m, CASE
                     WHEN r >= 4 AND fs >= 4 THEN 'Champions' WHEN fs >= 3 THEN 'Loyal'
                     WHEN r >= 4 THEN 'New' WHEN r <= 2 AND ms >= 4 THEN 'At Risk'
                     WHEN r <= 2 THEN 'Hibernating' ELSE 'Other' END AS segment FROM s),
           fb AS (SELECT customer_id, count(*) AS n, sum({NPS}) AS nps
                  FROM read_parquet('{{w}}/responses.parquet') WHERE kind = 'nps' GROUP BY 1)
           SELECT segment, count(*), sum(m), avg(f), sum(fb.nps) / sum(fb.n), sum(fb.n)
           FROM seg LEFT JOIN fb USING (customer_id) GROUP BY segment""",
        1.0,
    ),
    "audience Champions": (
        """COPY (WITH o AS (SELECT customer_id, CAST(timezone('{tz}', ts) AS DATE) AS d, amount
                       FROM read_parquet('{w}/orders.parquet')),
           per AS (SELECT customer_id, (SELECT max(d) FROM o) - max(d) AS recency,
                          count(*) AS f, sum(amount) AS m FROM o GROUP BY 1),
           s AS (SELECT *, ntile(5) OVER (ORDER BY recency DESC, customer_id) AS r,
                           ntile(5) OVER (ORDER BY f, customer_id) AS fs FROM per)
           SELECT customer_id, c.email FROM s JOIN read_parquet('{w}/customers.parquet') c
           USING (customer_id) WHERE r >= 4 AND fs >= 4 AND c.consent)
           TO '{out}' (HEADER)""",
        1.0,
    ),
    "cohorts": (
        """WITH o AS (SELECT customer_id, date_trunc('month', timezone('{tz}', ts)) AS m
                     FROM read_parquet('{w}/orders.parquet')),
           f AS (SELECT customer_id, min(m) AS c FROM o GROUP BY 1)
           SELECT f.c, datediff('month', f.c, o.m) AS k, count(DISTINCT o.customer_id)
           FROM o JOIN f USING (customer_id) GROUP BY 1, 2""",
        1.0,
    ),
    "lifecycle": (
        """WITH a AS (SELECT DISTINCT customer_id, date_trunc('month', timezone('{tz}', ts)) AS m
                     FROM read_parquet('{w}/orders.parquet')),
           f AS (SELECT customer_id, min(m) AS fm FROM a GROUP BY 1)
           SELECT a.m, count(*), count(*) FILTER (WHERE a.m = f.fm),
                  count(p.customer_id)
           FROM a JOIN f USING (customer_id)
           LEFT JOIN a p ON p.customer_id = a.customer_id AND p.m = a.m - INTERVAL 1 MONTH
           GROUP BY 1""",
        1.0,
    ),
    "churn": (
        """WITH d AS (SELECT DISTINCT customer_id, CAST(timezone('{tz}', ts) AS DATE) AS day
                     FROM read_parquet('{w}/orders.parquet')),
           ends AS (SELECT CAST(e AS DATE) AS e FROM range(
                     (SELECT date_trunc('quarter', max(day)) FROM d) - INTERVAL 24 MONTH,
                     (SELECT date_trunc('quarter', max(day)) FROM d), INTERVAL 3 MONTH) t(e))
           SELECT e, customer_id, count(*) - 1 AS x, datediff('day', min(day), max(day)) / 7.0,
                  datediff('day', min(day), e) / 7.0
           FROM d JOIN ends ON d.day < ends.e GROUP BY e, customer_id""",
        1.0,
    ),
    "clv": (
        """WITH d AS (SELECT customer_id, CAST(timezone('{tz}', ts) AS DATE) AS day,
                            sum(amount) AS amount
                     FROM read_parquet('{w}/orders.parquet') GROUP BY 1, 2)
           SELECT customer_id, count(*) - 1, datediff('day', min(day), max(day)) / 7.0,
                  datediff('day', min(day), (SELECT max(day) FROM d)) / 7.0,
                  (sum(amount) - arg_min(amount, day)) / greatest(count(*) - 1, 1)
           FROM d GROUP BY 1""",
        1.0,
    ),
    "drivers": (
        """WITH r AS (SELECT * FROM read_parquet('{w}/responses.parquet')),
           y AS (SELECT customer_id, arg_max(score, ts) AS nps FROM r
                 WHERE kind = 'nps' AND customer_id IS NOT NULL GROUP BY 1),
           tp AS (SELECT customer_id,
                         avg(score) FILTER (WHERE kind = 'csat' AND touchpoint = 'delivery') AS d,
                         avg(score) FILTER (WHERE kind = 'ces' AND touchpoint = 'support') AS s
                  FROM r GROUP BY 1),
           t AS (SELECT customer_id, count(*) AS tickets, bool_or(reopened) AS reopened,
                        avg(epoch(resolved_at) - epoch(opened_at)) / 3600 AS hours
                 FROM read_parquet('{w}/tickets.parquet') GROUP BY 1),
           o AS (SELECT customer_id, count(*) AS orders FROM read_parquet('{w}/orders.parquet')
                 GROUP BY 1)
           SELECT * FROM y LEFT JOIN tp USING (customer_id) LEFT JOIN t USING (customer_id)
           LEFT JOIN o USING (customer_id)
           LEFT JOIN read_parquet('{w}/customers.parquet') c USING (customer_id)""",
        2.0,
    ),
    "journey-map": (
        """SELECT stage, touchpoint, count(DISTINCT customer_id)
           FROM read_parquet('{w}/events.parquet') GROUP BY 1, 2""",
        1.0,
    ),
    "funnel website_visit product_page cart order": (
        """WITH e AS (SELECT customer_id, touchpoint, ts FROM read_parquet('{w}/events.parquet')),
           s1 AS (SELECT customer_id, min(ts) AS t1 FROM e WHERE touchpoint = 'website_visit'
                  GROUP BY 1),
           s2 AS (SELECT s1.customer_id, t1, min(e.ts) AS t2 FROM s1 JOIN e
                  ON e.customer_id = s1.customer_id AND e.touchpoint = 'product_page'
                  AND e.ts >= t1 AND e.ts <= t1 + INTERVAL 14 DAY GROUP BY 1, 2),
           s3 AS (SELECT s2.customer_id, t1, min(e.ts) AS t3 FROM s2 JOIN e
                  ON e.customer_id = s2.customer_id AND e.touchpoint = 'cart'
                  AND e.ts >= t2 AND e.ts <= t1 + INTERVAL 14 DAY GROUP BY 1, 2),
           s4 AS (SELECT s3.customer_id FROM s3 JOIN read_parquet('{w}/orders.parquet') o
                  ON o.customer_id = s3.customer_id AND o.ts >= t3
                  AND o.ts <= t1 + INTERVAL 14 DAY GROUP BY 1)
           SELECT (SELECT count(*) FROM s1), (SELECT count(*) FROM s2),
                  (SELECT count(*) FROM s3), (SELECT count(*) FROM s4)""",
        1.0,
    ),
    "paths": (
        """WITH e AS (SELECT customer_id, ts, touchpoint,
                            CASE WHEN epoch(ts) - epoch(lag(ts) OVER w) <= 1800 THEN 0 ELSE 1 END
                            AS starts
                     FROM read_parquet('{w}/events.parquet')
                     WINDOW w AS (PARTITION BY customer_id ORDER BY ts)),
           s AS (SELECT *, sum(starts) OVER (PARTITION BY customer_id ORDER BY ts) AS session FROM e),
           p AS (SELECT customer_id, session,
                        string_agg(touchpoint, ' > ' ORDER BY ts) AS path FROM s GROUP BY 1, 2)
           SELECT path, count(*) FROM p GROUP BY 1 ORDER BY 2 DESC LIMIT 10""",
        1.0,
    ),
    "attribution": (
        """SELECT e.channel, count(*) FROM read_parquet('{w}/orders.parquet') o
           ASOF JOIN read_parquet('{w}/events.parquet') e
           ON o.customer_id = e.customer_id AND o.ts >= e.ts
           WHERE o.ts - e.ts <= INTERVAL 30 DAY GROUP BY 1""",
        1.0,
    ),
}


def timed(args: list[str], env: dict[str, str], repeat: int) -> float:
    """Median wall-clock seconds of ``repeat`` runs of ``args``."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        runs.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return statistics.median(runs)


def floor_args(sql: str) -> list[str]:
    code = f"import duckdb\nduckdb.connect().execute({sql!r}).fetchall()\n"
    return [sys.executable, "-c", code]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 20,000 customers")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure")
    parser.add_argument("--keep", type=Path, help="build the demo here and keep it")
    args = parser.parse_args()
    customers = max(int(20_000 * args.scale), 500)
    tmp = Path(tempfile.mkdtemp(prefix="cxlens-bench-cli-"))
    root = args.keep or tmp / "demo"
    env = {**os.environ, "COLUMNS": "120"}
    # as on a user's machine, Python keeps the compiled modules it wrote at the first run
    # (PYTHONDONTWRITEBYTECODE would make every run compile cxlens' modules again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        if not (root / "cxlens.toml").exists():
            print(f"building a demo of {customers:,} customers in {root} ...", flush=True)
            subprocess.run(
                [*CXLENS, "demo", str(root), "--customers", str(customers), "--force"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
        env["CXLENS_WORKSPACE"] = str(root)
        warehouse = root / "warehouse"
        import tomllib

        settings = tomllib.loads((root / "cxlens.toml").read_text())
        tz = settings.get("workspace", {}).get("timezone", "UTC")
        r = args.repeat
        floor_start = timed([sys.executable, "-c", "import duckdb"], env, r)
        print(f"\nStart-up (median of {r}); floor: python -c 'import duckdb' = {floor_start:.2f} s")
        print(f"{'command':<18} {'seconds':>8} {'x floor':>8} {'goal':>6}  met")
        for label, cmd in (("cxlens --help", ["--help"]), ("cxlens --version", ["--version"])):
            timed([*CXLENS, *cmd], env, 1)  # the first run after an install writes the bytecode
            s = timed([*CXLENS, *cmd], env, r)
            print(
                f"{label:<18} {s:8.2f} {s / floor_start:8.1f} {0.3:6.1f}  {'yes' if s < 0.3 else 'no'}"
            )
        print(
            f"\nCommands on {customers:,} customers (median of {r}; floor = the same question in DuckDB SQL)"
        )
        print(
            f"{'command':<44} {'floor':>6} {'cold':>6} {'warm':>6} {'warm/floor':>10} {'goal':>5}  met"
        )
        cold_env = {**env, "CXLENS_NO_CACHE": "1"}
        met = 0
        for command, (sql, goal) in COMMANDS.items():
            parts = command.split()
            if parts[0] == "audience":
                parts += ["--out", str(tmp / "audience.csv")]
            floor_sql = sql.format(w=warehouse, tz=tz, out=tmp / "floor.csv")
            floor = timed(floor_args(floor_sql), env, r)
            cold = timed([*CXLENS, *parts], cold_env, r)
            timed([*CXLENS, *parts], env, 1)  # fills the result store
            warm = timed([*CXLENS, *parts], env, r)
            ok = warm < goal
            met += ok
            print(
                f"{command[:44]:<44} {floor:6.2f} {cold:6.2f} {warm:6.2f} {warm / floor:10.1f} "
                f"{goal:5.1f}  {'yes' if ok else 'no'}"
            )
        print(f"\n{met} of {len(COMMANDS)} commands within their goal warm.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
