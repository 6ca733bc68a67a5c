"""Observation photos: the original as taken is kept; a display copy (for maps, pages and
reports) and a thumbnail are made with the EXIF orientation applied and no metadata at all (so
what is shown or exported names no one); an EXIF GPS position is read so the photo can place
its observation."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, defer

from bidgeo.db import Photo
from bidgeo.errors import InputError, NotFoundError

MAX_BYTES = 40 * 1024 * 1024
"""Phone photos are 5-15 MB; this leaves room for large ones and refuses what is not a photo."""
DISPLAY_PX, THUMB_PX = 1600, 240
GPS_IFD = 0x8825

Image.MAX_IMAGE_PIXELS = 120_000_000  # a 100 MP phone photo, not a decompression bomb


@dataclass(frozen=True)
class PhotoInfo:
    id: int
    observation_uuid: str
    filename: str
    lon: float | None
    lat: float | None
    thumbnail: bytes


def _degrees(value, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    return -result if str(ref).upper() in ("S", "W") else result


def exif_position(image: Image.Image) -> tuple[float, float] | None:
    """(lon, lat) from the image's EXIF GPS tags, if it has a usable one."""
    gps = image.getexif().get_ifd(GPS_IFD)
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat, lon = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lon, lat


def _jpeg(image: Image.Image, size: int) -> bytes:
    """An upright JPEG copy with no metadata: no EXIF (the camera, the owner, the place), no
    XMP, no ICC profile and no comment, which may all name a person."""
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    copy = copy.convert("RGB")
    copy.info.clear()  # Pillow writes a JPEG comment (and more) it finds here
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def process(data: bytes, filename: str) -> tuple[bytes, bytes, tuple[float, float] | None]:
    """(display copy, thumbnail, EXIF position) of a photo's bytes."""
    if len(data) > MAX_BYTES:
        raise InputError("photo_too_big", name=filename, size_mb=round(len(data) / 1e6),
                         limit_mb=MAX_BYTES // 1_000_000)
    try:
        image = Image.open(io.BytesIO(data))
        position = exif_position(image)
        image.draft("RGB", (DISPLAY_PX, DISPLAY_PX))  # JPEG: decode at a reduced scale, much faster
        image = ImageOps.exif_transpose(image)
        return _jpeg(image, DISPLAY_PX), _jpeg(image, THUMB_PX), position
    # Pillow's errors for damaged files come in many types: OSError, SyntaxError, struct.error,
    # IndexError, a decompression bomb…
    except Exception as exc:
        raise InputError("photo_unreadable", name=filename) from exc


def add_photo(engine: Engine, project_id: int, observation_uuid: str, data: bytes, filename: str,
              content_type: str = "") -> PhotoInfo:
    """Store a photo of the observation (or draft) ``observation_uuid``. The same photo added
    twice to one observation is stored once."""
    digest = hashlib.sha256(data).hexdigest()
    with Session(engine) as session:
        same = session.scalar(select(Photo).where(Photo.observation_uuid == observation_uuid,
                                                  Photo.sha256 == digest))
        if same is None:
            display, thumbnail, position = process(data, filename)
            same = Photo(project_id=project_id, observation_uuid=observation_uuid, filename=filename[:300],
                         content_type=content_type[:100], sha256=digest, original=data, display=display,
                         thumbnail=thumbnail, lon=position[0] if position else None,
                         lat=position[1] if position else None)
            session.add(same)
            session.commit()
        return PhotoInfo(same.id, same.observation_uuid, same.filename, same.lon, same.lat, same.thumbnail)


def photos(engine: Engine, project_id: int, uuids: list[str]) -> list[PhotoInfo]:
    """The photos of the given observations (of this project), in the order they were added."""
    with Session(engine) as session:
        rows = session.execute(
            select(Photo.id, Photo.observation_uuid, Photo.filename, Photo.lon, Photo.lat, Photo.thumbnail)
            .where(Photo.project_id == project_id, Photo.observation_uuid.in_(uuids)).order_by(Photo.id)).all()
    return [PhotoInfo(*row) for row in rows]


def photo_bytes(engine: Engine, project_id: int, photo_id: int, which: str = "display") -> bytes:
    """One of a photo's copies: ``original``, ``display`` or ``thumbnail``; only for the
    project the photo belongs to."""
    if which not in ("original", "display", "thumbnail"):
        raise ValueError(which)
    with Session(engine) as session:
        photo = session.get(Photo, photo_id)
        if photo is None or photo.project_id != project_id:
            raise NotFoundError("photo_not_found", ref=str(photo_id))
        return getattr(photo, which)


def remove_photo(engine: Engine, project_id: int, photo_id: int) -> None:
    with Session(engine) as session:
        photo = session.scalar(select(Photo).options(defer(Photo.original), defer(Photo.display),
                                                     defer(Photo.thumbnail))
                               .where(Photo.id == photo_id, Photo.project_id == project_id))
        if photo is not None:
            session.delete(photo)
            session.commit()


def resized(data: bytes, size: int) -> bytes:
    """A copy of the photo ``data`` (a display copy) at most ``size`` pixels on its longer side,
    with no metadata (for a report's page)."""
    with Image.open(io.BytesIO(data)) as image:
        return _jpeg(image, size)
