"""The attachment store: content-addressed blobs (SHA-256), local directory or S3 bucket.

A blob is written once under its hash; a changed file is a new blob. Attachments link a
blob to a record and are read only through the record's own visibility.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform.audit import record_event
from opencmc.platform.db import UNSCOPED
from opencmc.platform.errors import InvalidInput, NotFound
from opencmc.platform.models import Attachment, StoredFile
from opencmc.platform.uow import UnitOfWork

_CHUNK = 1024 * 1024

#: media types accepted, by the first bytes of the content; text is checked separately
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"PK\x03\x04", "application/zip"),
    (b"GIF8", "image/gif"),
)
_OFFICE = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_TEXT_TYPES = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".json": "application/json",
    ".fasta": "text/x-fasta",
    ".fa": "text/x-fasta",
    ".gb": "text/x-genbank",
    ".gbk": "text/x-genbank",
    ".sdf": "chemical/x-mdl-sdfile",
    ".smi": "chemical/x-daylight-smiles",
    ".md": "text/markdown",
}


def sniff_media_type(head: bytes, filename: str) -> str:
    """The media type from the content itself; the name only refines ZIP and text kinds."""
    suffix = Path(filename).suffix.lower()
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            if media_type == "application/zip":
                return _OFFICE.get(suffix, media_type)
            return media_type
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # a multi-byte character cut at the end of the sample is still text
        if error.start < len(head) - 4:
            raise InvalidInput(
                f"file: {filename!r} is neither a supported document nor UTF-8 text",
                field="file",
            ) from None
    if b"\x00" in head:
        raise InvalidInput(f"file: {filename!r} is binary of an unsupported type", field="file")
    return _TEXT_TYPES.get(suffix, "text/plain")


class BlobStore(Protocol):
    def exists(self, sha256: str) -> bool: ...
    def put(self, sha256: str, source: Path) -> None: ...
    def open(self, sha256: str) -> BinaryIO: ...


class LocalBlobStore:
    """Blobs in a directory, two levels of fan-out: ``ab/cd/abcd...``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def put(self, sha256: str, source: Path) -> None:
        target = self._path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        target.chmod(0o440)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFound(f"stored file {sha256} is missing from the store") from None


class S3BlobStore:
    """Blobs in an S3-compatible bucket (``s3://bucket/prefix``); needs ``opencmc[s3]``."""

    def __init__(self, url: str, endpoint_url: str | None = None) -> None:
        import boto3

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url or None)

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}/{sha256}" if self.prefix else sha256

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError:
            return False
        return True

    def put(self, sha256: str, source: Path) -> None:
        if not self.exists(sha256):
            self.client.upload_file(str(source), self.bucket, self._key(sha256))
        source.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))["Body"]
        except ClientError:
            raise NotFound(f"stored file {sha256} is missing from the store") from None
        return body  # type: ignore[no-any-return]


def blob_store_from(location: str, s3_endpoint_url: str = "") -> BlobStore:
    if location.startswith("s3://"):
        return S3BlobStore(location, s3_endpoint_url)
    return LocalBlobStore(Path(location))


def store_blob(
    session: Session, store: BlobStore, stream: BinaryIO, filename: str, max_bytes: int
) -> StoredFile:
    """Hash while copying to a temporary file; refuse over ``max_bytes``; dedupe by hash."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    spool_dir = getattr(store, "root", None)
    if spool_dir is not None:
        Path(spool_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=spool_dir, delete=False) as spool:
        spool_path = Path(spool.name)
        try:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInput(
                        f"file: {filename!r} is larger than the limit of {max_bytes} bytes",
                        field="file",
                    )
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                digest.update(chunk)
                spool.write(chunk)
        except BaseException:
            spool_path.unlink(missing_ok=True)
            raise
    if size == 0:
        spool_path.unlink(missing_ok=True)
        raise InvalidInput(f"file: {filename!r} is empty", field="file")
    try:
        media_type = sniff_media_type(head, filename)
    except InvalidInput:
        spool_path.unlink(missing_ok=True)
        raise
    sha256 = digest.hexdigest()
    store.put(sha256, spool_path)
    spool_path.unlink(missing_ok=True)
    blob = session.get(StoredFile, sha256)
    if blob is None:
        blob = StoredFile(sha256=sha256, size=size, media_type=media_type)
        session.add(blob)
        session.flush()
    return blob


def attach(
    uow: UnitOfWork,
    record: Any,
    store: BlobStore,
    stream: BinaryIO,
    filename: str,
    *,
    max_bytes: int,
) -> Attachment:
    """Attach a file to a record the actor may write; the audit event names the hash."""
    actor = uow.require_actor()
    actor.require("write", "attach files")
    if record.organisation_id != actor.organisation_id:
        raise NotFound(f"no {record.entity_type} {record.id}")
    name = Path(filename or "").name
    if not name:
        raise InvalidInput("file: give the file a name", field="file")
    blob = store_blob(uow.session, store, stream, name, max_bytes)
    attachment = Attachment(
        organisation_id=record.organisation_id,
        record_type=record.entity_type,
        record_id=record.id,
        sha256=blob.sha256,
        filename=name,
        media_type=blob.media_type,
        size=blob.size,
        uploaded_by_id=actor.user_id,
    )
    uow.session.add(attachment)
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=record.organisation_id,
        action="attach",
        entity_type=record.entity_type,
        entity_id=record.id,
        changes={"attachment": {"old": None, "new": {"sha256": blob.sha256, "filename": name}}},
    )
    return attachment


def attachments_for(session: Session, record: Any) -> list[Attachment]:
    """A record's files. ``record`` was loaded through the caller's scope, so whoever may
    read the record (its owner or a share's grantee) may read its files: no other check."""
    return list(
        session.scalars(
            select(Attachment)
            .where(
                Attachment.record_type == record.entity_type,
                Attachment.record_id == record.id,
                Attachment.archived_at.is_(None),
            )
            .order_by(Attachment.id),
            execution_options={UNSCOPED: True},
        )
    )


def get_attachment(session: Session, record: Any, attachment_id: int) -> Attachment:
    """One file of a record the caller can already see."""
    for attachment in attachments_for(session, record):
        if attachment.id == attachment_id:
            return attachment
    raise NotFound(f"no attachment {attachment_id} on {record.entity_type} {record.id}")
