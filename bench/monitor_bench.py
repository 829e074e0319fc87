"""Monitoring benchmark: the first run over a party book against the delta run after a list
update, each as a whole `clearance monitor run` command, with their ratio.

    .venv/bin/python bench/monitor_bench.py                     # 1,000,000 parties (default)
    .venv/bin/python bench/monitor_bench.py --parties 30000     # the issue's 30,000-party case

The book is generated with Faker in 25 locales (Latin, Cyrillic, Greek, Arabic, Persian, Hebrew,
Han, Japanese, Korean, Devanagari, Vietnamese), persons (some with a date of birth or a
country) and companies, with a few hundred listed names planted as customers write them
(reordered, lower-cased, `LAST, First` turned round): every entry added or changed in the OFAC
SDN list between 2022-06-17 and 2022-06-28 (169 added, 14 changed), and 200 names of entries
listed on 2022-06-17. The generated file is kept in the output folder and reused for the same
size and seed.

Steps, on a fresh store (SQLite in a temporary folder, or `--db URL`):

1. import the SDN list of 2022-06-17 and the book (timed, for reference);
2. **first run**: `clearance monitor run --as-of 2022-06-17` — the whole book, forward;
3. import the SDN list of 2022-06-28;
4. **delta run**: `clearance monitor run --as-of 2022-06-28` — the changed entries in reverse;
5. with SQLite, the delta again from a copy of the store taken before step 4's run, this time
   with the list index of 2022-06-28 already in the disk cache (what a store whose index some
   screening or API process built already sees);
6. a run with nothing changed.

Each run is its own process, timed from outside (wall clock; user + system CPU and peak
resident memory from the kernel's accounting of that child, `os.wait4`), so start-up, store
opening, the list index build and the audit record are all included. Ratios are first / delta,
measured in the same call. Results go to `monitor_bench.json` and `.txt` in `--out-dir`
(default `build/bench/`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LISTS = Path(os.environ.get("CLEARANCE_LISTS_DIR") or REPO.parent / "shared" / "data" / "lists")
BEFORE, AFTER = date(2022, 6, 17), date(2022, 6, 28)
LOCALES = (
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "pt_BR",
    "nl_NL",
    "pl_PL",
    "cs_CZ",
    "sv_SE",
    "tr_TR",
    "ru_RU",
    "uk_UA",
    "ar_AA",
    "fa_IR",
    "he_IL",
    "el_GR",
    "zh_CN",
    "ja_JP",
    "ko_KR",
    "hi_IN",
    "hu_HU",
    "ro_RO",
    "vi_VN",
)
PLANTED_OLD = 200


# --- the book --------------------------------------------------------------------------------


def customer_spelling(name: str, kind: str, rnd: random.Random) -> str:
    """A listed name as a customer record might have it."""
    if kind == "person" and "," in name:
        last, first = (part.strip() for part in name.split(",", 1))
        name = f"{first} {last.title()}" if rnd.random() < 0.6 else f"{last} {first}"
    elif rnd.random() < 0.5:
        name = name.title()
    return name


def planted_names(lists_dir: Path, rnd: random.Random) -> list[tuple[str, str, str]]:
    """(name, type, where from) of the listed parties planted in the book."""
    from clearance.lists.ofac_csv import parse

    def entries(when: date) -> dict[str, Any]:
        folder = lists_dir / "ofac" / "sdn_csv" / when.isoformat()
        return {e.source_id: e for e in parse(folder).entries}

    before, after = entries(BEFORE), entries(AFTER)
    changed = [
        e
        for i, e in after.items()
        if i not in before or before[i].content_hash() != e.content_hash()
    ]
    kept = [
        e
        for i, e in sorted(before.items())
        if i in after and e.type.value in ("person", "organization") and e not in changed
    ]
    out = []
    for entry in changed:
        source = "new-entry" if entry.source_id not in before else "changed-entry"
        out.append((entry.primary_name, entry.type.value, source))
    for entry in rnd.sample(kept, PLANTED_OLD):
        out.append((entry.primary_name, entry.type.value, "listed-2022-06-17"))
    return [(customer_spelling(n, t, rnd), t, s) for n, t, s in out]


def write_book(path: Path, size: int, seed: int, lists_dir: Path) -> dict[str, int]:
    from faker import Faker

    rnd = random.Random(seed)
    fakers = []
    for k, locale in enumerate(LOCALES):
        faker = Faker(locale)
        faker.seed_instance(seed + k)
        fakers.append(faker)
    planted = planted_names(lists_dir, rnd)
    spots = dict(zip(rnd.sample(range(size), len(planted)), planted, strict=True))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("id", "name", "type", "dob", "country"))
        for row in range(size):
            party_id = f"C{row:08d}"
            if row in spots:
                name, kind, _ = spots[row]
                writer.writerow((party_id, name, kind, "", ""))
                continue
            faker = fakers[rnd.randrange(len(fakers))]
            if rnd.random() < 0.75:
                dob = faker.date_of_birth().isoformat() if rnd.random() < 0.3 else ""
                country = faker.current_country_code() if rnd.random() < 0.2 else ""
                writer.writerow((party_id, faker.name(), "person", dob, country))
            else:
                writer.writerow((party_id, faker.company(), "organization", "", ""))
    tmp.replace(path)
    counts: dict[str, int] = {}
    for _, _, source in planted:
        counts[source] = counts.get(source, 0) + 1
    return counts


# --- running commands ------------------------------------------------------------------------


@dataclass
class Measured:
    wall_s: float
    cpu_s: float
    peak_mib: float
    output: Any = None


def clearance(args: list[str], env: dict[str, str], out: Path | None = None) -> Measured:
    """Run one `clearance` command as its own process; its wall time, CPU and peak memory."""
    command = [sys.executable, "-c", "from clearance.cli import main; main()", *args]
    start = time.perf_counter()
    with open(out or os.devnull, "wb") as stdout:
        proc = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        _, status, usage = os.wait4(proc.pid, 0)
        errors = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"clearance {' '.join(args)} failed:\n{errors}")
    output = json.loads(out.read_text(encoding="utf-8")) if out is not None else None
    return Measured(
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        output,  # KiB on Linux
    )


def run_summary(measured: Measured, runs: list[dict[str, Any]]) -> dict[str, Any]:
    data = measured.output
    return {
        "wall_s": round(measured.wall_s, 2),
        "cpu_s": round(measured.cpu_s, 2),
        "peak_mib": round(measured.peak_mib, 1),
        "parties": data["parties"],
        "screened": data["screened"],
        "new_alerts": len(data["new_alerts"]),
        "reasons": _count(a["reason"] for a in data["new_alerts"]),
        "stats": runs[0]["summary"]["screening"],
    }


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return dict(sorted(out.items()))


def _ratio(a: float, b: float) -> float:
    return round(a / b, 1) if b else float("inf")


# --- the benchmark ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20220628)
    parser.add_argument("--db", default=None, help="a store URL (default: a fresh SQLite file)")
    parser.add_argument("--out-dir", type=Path, default=REPO / "build" / "bench")
    parser.add_argument("--lists-dir", type=Path, default=LISTS)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "parties": args.parties,
        "seed": args.seed,
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}",
    }

    book = args.out_dir / f"monitor_book_{args.parties}_{args.seed}.csv"
    if not book.is_file():
        start = time.perf_counter()
        report["planted"] = write_book(book, args.parties, args.seed, args.lists_dir)
        print(f"generated {book} in {time.perf_counter() - start:.0f} s", flush=True)

    work = Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    try:
        sqlite = args.db is None
        db = args.db or f"sqlite:///{work / 'store.sqlite'}"
        env = os.environ | {
            "CLEARANCE_DATA_DIR": str(work / "data"),
            "CLEARANCE_ACTOR": "monitor-bench",
            "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
        }
        sdn = args.lists_dir / "ofac" / "sdn_csv"

        def step(label: str, *command: str, out: Path | None = None) -> Measured:
            measured = clearance([*command, "--db", db], env, out)
            print(
                f"{label}: {measured.wall_s:.1f} s wall, {measured.cpu_s:.1f} s cpu, "
                f"{measured.peak_mib:.0f} MiB peak",
                flush=True,
            )
            return measured

        step(
            "import SDN 2022-06-17",
            "lists",
            "import",
            str(sdn / "2022-06-17"),
            "--published",
            "2022-06-17",
        )
        report["book_import"] = asdict(step("import the book", "parties", "import", str(book)))
        first = step(
            "first run",
            "monitor",
            "run",
            "--as-of",
            "2022-06-17",
            "--format",
            "json",
            out=work / "first.json",
        )
        step(
            "import SDN 2022-06-28",
            "lists",
            "import",
            str(sdn / "2022-06-28"),
            "--published",
            "2022-06-28",
        )
        if sqlite:
            shutil.copy(work / "store.sqlite", work / "before-delta.sqlite")
        delta = step(
            "delta run",
            "monitor",
            "run",
            "--as-of",
            "2022-06-28",
            "--format",
            "json",
            out=work / "delta.json",
        )
        runs = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from clearance.cli import main; main()",
                    "monitor",
                    "runs",
                    "--format",
                    "json",
                    "--db",
                    db,
                ],
                env=env,
                check=True,
                capture_output=True,
            ).stdout
        )
        report["first_run"] = run_summary(first, runs[1:])
        report["delta_run"] = run_summary(delta, runs)
        quiet = step(
            "run with no change",
            "monitor",
            "run",
            "--as-of",
            "2022-06-28",
            "--format",
            "json",
            out=work / "quiet.json",
        )
        report["no_change_run"] = {
            "wall_s": round(quiet.wall_s, 2),
            "cpu_s": round(quiet.cpu_s, 2),
            "new_alerts": len(quiet.output["new_alerts"]),
        }
        report["ratio_first_over_delta"] = {
            "wall": _ratio(first.wall_s, delta.wall_s),
            "cpu": _ratio(first.cpu_s, delta.cpu_s),
            "peak_memory": _ratio(first.peak_mib, delta.peak_mib),
        }
        if sqlite:
            # The same delta with the 2022-06-28 list index already in the disk cache.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{work / 'store.sqlite'}{suffix}").unlink(missing_ok=True)
            shutil.copy(work / "before-delta.sqlite", work / "store.sqlite")
            warm = step(
                "delta run, list index cached",
                "monitor",
                "run",
                "--as-of",
                "2022-06-28",
                "--format",
                "json",
                out=work / "warm.json",
            )
            report["delta_run_index_cached"] = {
                "wall_s": round(warm.wall_s, 2),
                "cpu_s": round(warm.cpu_s, 2),
                "peak_mib": round(warm.peak_mib, 1),
                "new_alerts": len(warm.output["new_alerts"]),
                "ratio_first_over_this": {
                    "wall": _ratio(first.wall_s, warm.wall_s),
                    "cpu": _ratio(first.cpu_s, warm.cpu_s),
                },
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    text = json.dumps(report, indent=2)
    (args.out_dir / "monitor_bench.json").write_text(text + "\n", encoding="utf-8")
    (args.out_dir / "monitor_bench.txt").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
