"""Screening a file on a real Dask cluster (a scheduler and two worker processes on 127.0.0.1)
through the use case every door calls: the same output as the single-process run, byte for
byte; one audit record; the index on each worker once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from scale_support import party_rows, with_settings, write_csv, write_parquet
from sqlalchemy import func, select

from clearance.audit.tables import audit_record
from clearance.screening import BatchInputError
from clearance.service import Clearance, ScreenRequest, replay_record, screen_parties_file
from clearance.settings import load_settings
from conftest import AS_OF

REQUEST = ScreenRequest(as_of=AS_OF)


def records(app: Clearance) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_record)).scalar_one())


def test_a_file_screened_on_the_cluster_is_the_single_process_file(
    app: Clearance, dask_scheduler: str, tmp_path: Path, lists_dir: Path
) -> None:
    source = write_csv(tmp_path / "parties.csv", party_rows(lists_dir, 16_000), bom=True)
    single = screen_parties_file(app, source, tmp_path / "single.csv", REQUEST)
    before = records(app)

    clustered = with_settings(app, dask_scheduler=dask_scheduler, dask_partition_rows=5_000)
    output = tmp_path / "cluster.csv"
    batch = screen_parties_file(clustered, source, output, REQUEST)

    assert output.read_bytes() == (tmp_path / "single.csv").read_bytes()
    assert batch.summary == single.summary and batch.summary.rows == 16_000
    assert batch.summary.matches > 1_000  # listed names and their misspellings were found
    assert records(app) == before + 1  # one record for the batch, none from the workers
    payload = batch.record.payload
    assert payload["partitions"] == batch.partitions == 4
    assert payload["cluster"] == {"scheduler": dask_scheduler, "workers": 2, "local": False}
    assert payload["input"]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert payload["output"]["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert payload["list_versions"] == single.record.payload["list_versions"]
    assert payload["screening"]["algorithm"] == "clearance-v1.1"
    assert payload["settings"]["dask_scheduler"] == {"value": dask_scheduler, "source": "flag"}
    # Four partitions on two workers, and the index arrived at each worker exactly once.
    assert batch.shipping is not None
    assert sorted(batch.shipping["arrivals"].values()) == [1, 1]
    # Replay screens the input again in one process: the same output checksum.
    assert replay_record(app, batch.record.seq).identical


def test_parquet_in_parquet_out_on_the_cluster(
    app: Clearance, dask_scheduler: str, tmp_path: Path, lists_dir: Path
) -> None:
    source = write_parquet(tmp_path / "parties.parquet", party_rows(lists_dir, 12_000, 3), 3_333)
    screen_parties_file(app, source, tmp_path / "single.parquet", REQUEST)
    clustered = with_settings(app, dask_scheduler=dask_scheduler, dask_partition_rows=5_000)
    batch = screen_parties_file(clustered, source, tmp_path / "cluster.parquet", REQUEST)
    assert batch.partitions == 3
    single = pq.read_table(tmp_path / "single.parquet")
    assert single.num_rows == batch.summary.output_rows > 0
    assert pq.read_table(tmp_path / "cluster.parquet").equals(single)
    assert (tmp_path / "cluster.parquet").read_bytes() == (tmp_path / "single.parquet").read_bytes()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_environment_names_the_cluster_for_the_use_case(
    engine: object, app: Clearance, dask_scheduler: str, tmp_path: Path, lists_dir: Path
) -> None:
    """What the API's batch jobs and monitoring do: open the handle from the environment."""
    source = write_csv(tmp_path / "parties.csv", party_rows(lists_dir, 300))
    env = {"CLEARANCE_DASK_SCHEDULER": dask_scheduler, "CLEARANCE_DATA_DIR": str(tmp_path)}
    from_env = Clearance(app.engine, load_settings(env=env), "batch-job")
    # A URL on both sides, read and written through fsspec by the workers and the caller.
    output = f"file://{tmp_path / 'hits.csv'}"
    batch = screen_parties_file(from_env, f"file://{source}", output, REQUEST)
    assert batch.cluster is not None and batch.cluster["scheduler"] == dask_scheduler
    assert batch.record.payload["settings"]["dask_scheduler"]["source"] == "env"
    single = screen_parties_file(app, source, tmp_path / "single.csv", REQUEST)
    assert (tmp_path / "hits.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()
    assert batch.record.payload["input"]["sha256"] == single.record.payload["input"]["sha256"]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_bad_row_stops_the_run_as_in_one_process(
    engine: object, app: Clearance, dask_scheduler: str, tmp_path: Path, lists_dir: Path
) -> None:
    rows = party_rows(lists_dir, 11_000)
    rows[10_500] = {**rows[10_500], "dob": "1952-13-45"}  # in the third partition
    source = write_csv(tmp_path / "parties.csv", rows)
    out = tmp_path / "out"
    with pytest.raises(BatchInputError) as single:
        screen_parties_file(app, source, out / "single.csv", REQUEST)
    before = records(app)
    clustered = with_settings(app, dask_scheduler=dask_scheduler, dask_partition_rows=5_000)
    with pytest.raises(BatchInputError) as cluster:
        screen_parties_file(clustered, source, out / "cluster.csv", REQUEST)
    assert str(cluster.value) == str(single.value)
    assert "1952-13-45" in str(cluster.value) or "dob" in str(cluster.value)
    assert records(app) == before  # no record for a batch that did not finish
    # No output either (the first partitions' hits were written before the third failed),
    # and a file already at the output path is left as it was.
    assert list(out.iterdir()) == []
    earlier = out / "cluster.csv"
    earlier.write_bytes(b"the previous run's hits\n")
    with pytest.raises(BatchInputError):
        screen_parties_file(clustered, source, earlier, REQUEST)
    assert earlier.read_bytes() == b"the previous run's hits\n"
    assert list(out.iterdir()) == [earlier]
