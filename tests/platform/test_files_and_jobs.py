"""The attachment store (local directory and S3) and the job runner."""

from __future__ import annotations

import hashlib
import io

import pytest

from opencmc.jobs import JobRunner
from opencmc.jobs.runner import get_job
from opencmc.platform import files, programs
from opencmc.platform.errors import InvalidInput, NotFound
from opencmc.platform.files import LocalBlobStore, S3BlobStore, sniff_media_type
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PROGRAM, actor_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"%PDF-1.7 ...", "report.pdf", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "plot.png", "image/png"),
        (b"PK\x03\x04....", "results.xlsx", XLSX),
        (b"batch,month,assay\nB1,0,99.8\n", "stability.csv", "text/csv"),
        (b">heavy\nEVQLVESGG\n", "leads.fasta", "text/x-fasta"),
        (b"%PDF-1.7", "renamed.txt", "application/pdf"),  # content wins over the name
    ],
)  # fmt: skip
def test_type_is_sniffed_from_content(head: bytes, name: str, expected: str) -> None:
    assert sniff_media_type(head, name) == expected


def test_unknown_binary_is_refused() -> None:
    with pytest.raises(InvalidInput, match="neither a supported document nor UTF-8 text"):
        sniff_media_type(b"\xde\xad\xbe\xef" * 100, "blob.bin")


def _program(factory):  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        program = programs.create_program(uow, PROGRAM)
        uow.commit()
        return program


def test_same_content_is_stored_once(factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = LocalBlobStore(tmp_path / "blobs")
    program = _program(factory)
    content = b"time,value\n0,100\n3,99.1\n"
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        first = files.attach(uow, program, store, io.BytesIO(content), "a.csv", max_bytes=1000)
        second = files.attach(uow, program, store, io.BytesIO(content), "b.csv", max_bytes=1000)
        uow.commit()
    assert first.sha256 == second.sha256 == hashlib.sha256(content).hexdigest()
    blobs = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1
    with store.open(first.sha256) as handle:
        assert handle.read() == content


def test_failed_upload_writes_nothing(factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = LocalBlobStore(tmp_path / "blobs")
    program = _program(factory)
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        with pytest.raises(InvalidInput, match="larger than the limit of 10 bytes"):
            files.attach(uow, program, store, io.BytesIO(b"x" * 11), "big.csv", max_bytes=10)
        with pytest.raises(InvalidInput, match="empty"):
            files.attach(uow, program, store, io.BytesIO(b""), "empty.csv", max_bytes=10)
        assert files.attachments_for(uow.session, program) == []
    assert not [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]


def test_s3_store_round_trip(factory) -> None:  # type: ignore[no-untyped-def]
    moto = pytest.importorskip("moto")
    import boto3

    with moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="opencmc-files")
        import os

        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        store = S3BlobStore("s3://opencmc-files/tenant-a")
        program = _program(factory)
        content = b"%PDF-1.4 certificate of analysis"
        with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
            attachment = files.attach(
                uow, program, store, io.BytesIO(content), "coa.pdf", max_bytes=10_000
            )
            uow.commit()
        assert store.exists(attachment.sha256)
        assert store.open(attachment.sha256).read() == content
        with pytest.raises(NotFound):
            store.open("0" * 64)


def test_jobs_run_in_the_background_and_record_results(factory) -> None:  # type: ignore[no-untyped-def]
    runner = JobRunner(factory, workers=1)
    actor = actor_of(factory, "a.sci")
    try:
        job = runner.submit(actor, "audit-verify")
        runner.wait(job.id, timeout=30)
        with UnitOfWork(factory, actor) as uow:
            done = get_job(uow.session, job.id)
        assert done.status == "succeeded"
        assert done.result is not None and done.result["ok"] is True
        assert done.started_at is not None and done.finished_at is not None
        with pytest.raises(InvalidInput, match="kind: expected one of"):
            runner.submit(actor, "mine-bitcoin")
        with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow, pytest.raises(NotFound):
            get_job(uow.session, job.id)  # another organisation's job
    finally:
        runner.shutdown()
