"""The whole benchmark: build each dataset on each database, measure, write RESULTS.md.

    python -m bench --pg-url postgresql+psycopg://postgres@127.0.0.1:54330/postgres

(``scripts/bench`` starts a throwaway PostgreSQL server and runs this.) Each
dataset is built into a new database (a SQLite file in ``--data-dir``, a
``bench_<dataset>`` database on the PostgreSQL server), measured, then
dropped unless ``--keep``. Generation and measures run in child processes (a
clean interpreter each); their JSON summaries stay in ``--data-dir``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench.datasets import DATASETS
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent


def _pg_database(server_url: str, name: str, *, drop_only: bool = False) -> str:
    """(Re)create database ``name`` on the server; its URL."""
    url = make_url(server_url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _run(args: list[str]) -> None:
    print("$", " ".join(args[1:]), flush=True)
    subprocess.run(args, cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: every dataset on every database, then RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--pg-url", help="URL of a PostgreSQL server (any database on it)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    engines = [e for e in args.engines.split(",") if e]
    if "postgresql" in engines and not args.pg_url:
        parser.error("--pg-url est nécessaire pour PostgreSQL")
    started = time.perf_counter()
    results = []
    for engine in engines:
        for name in args.datasets.split(","):
            slug = name.lower().replace("-", "_")
            if engine == "sqlite":
                path = args.data_dir / f"{slug}.sqlite3"
                for leftover in path.parent.glob(path.name + "*"):
                    leftover.unlink()
                url = f"sqlite:///{path}"
            else:
                url = _pg_database(args.pg_url, f"bench_{slug}")
            meta = args.data_dir / f"{slug}-{engine}.json"
            out = args.data_dir / f"{slug}-{engine}-result.json"
            _run([sys.executable, "-m", "bench.generate", "--dataset", name, "--url", url,
                  "--seed", str(args.seed), "--meta", str(meta)])
            _run([sys.executable, "-m", "bench.run", "--url", url, "--meta", str(meta),
                  "--out", str(out), "--runs", str(args.runs)])
            results.append(json.loads(out.read_text()))
            if not args.keep:
                if engine == "sqlite":
                    for leftover in path.parent.glob(path.name + "*"):
                        leftover.unlink()
                else:
                    _pg_database(args.pg_url, f"bench_{slug}", drop_only=True)
    write_results(results, args.out, total_seconds=time.perf_counter() - started,
                  command=" ".join(["scripts/bench", *(argv or sys.argv[1:])]))
    print(f"==> {args.out} écrit ({time.perf_counter() - started:.0f} s en tout)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
