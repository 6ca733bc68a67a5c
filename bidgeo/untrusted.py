"""Reading files from strangers. A GeoPackage is an SQLite program and GDAL a large C library,
so a hostile file could hang a process or fill its memory. GeoPackages are therefore inspected
with sqlite3 first (read-only, untrusted schema, a time budget): views, unexpected triggers and
virtual tables, and too many features are refused. GDAL then reads in a worker process with a
time and memory limit, so that a hang cannot stall the app or the CLI.

The worker sends back only plain values (tables as Parquet), read with an unpickler that
loads no classes, so that even a worker taken over by a file cannot run code in the app.

An OSM extract is read by libosmium in the app's own process (it is fast and safe C++), but
what it holds fills memory in proportion: every node's location, every way kept. A .pbf is
zlib-packed blocks, so a file of a few hundred kilobytes can hold a billion nodes.
:func:`inspect_osm` therefore counts what an extract holds, block by block, before it is read.

A refusal is an :class:`UnreadableError` whose ``reason`` is a catalogue key, so that the
whole message is the project's own text in the user's language.
"""

from __future__ import annotations

import csv
import io
import lzma
import os
import pickle
import re
import select
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path
from urllib.parse import quote

from bidgeo.errors import InputError

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first bytes of every SQLite database file (a backup, a GeoPackage)."""
MAX_FEATURES = 100_000
MAX_COLUMNS = 1_000
MAX_HEADER_BYTES = 100_000
INSPECT_SECONDS = 3.0
WORKER_SECONDS = 6.0
"""How long a worker may take over a file, from when it is ready (its libraries loaded)."""
WORKER_START_SECONDS = 60.0
"""How long a worker may take to load its libraries: Python, pandas and GDAL read from a cold disk
(the first upload after a server starts) take 10 s and more, and that is no fault of the file."""
WORKER_LIBRARIES = {"read_raw": ("pyogrio",), "read_frame": ("pyogrio",), "read_excel": ("openpyxl",),
                    "read_sheets": ("openpyxl",)}
WORKER_MEMORY_BYTES = 1 << 30
MAX_OSM_NODES = 50_000_000
MAX_OSM_WAYS = 5_000_000
MAX_OSM_RELATIONS = 1_000_000
"""What an extract may hold: a county of 150 MB has some 20 million nodes and 2 million ways."""
MAX_OSM_REFERENCES = 60_000_000
"""The nodes of the ways (and the members of the relations) a reader keeps: their coordinates
are what it holds in memory, and what it reads one by one for a way cut at the extract's edge.
A county has some 30 million, an extract some 0.2 per byte of its file: a reader allows one
per byte and a million more (:func:`references_limit`). Counted as they are read, since a
block can hold a few ways of millions of nodes."""
MAX_PBF_BLOCK_NUMBERS = 1_000_000
"""How many numbers (nodes, tags, the ways' nodes, the relations' members) one block may hold:
libosmium unpacks a block whole, 16 to 24 bytes for each node of a way, some blocks at once. A
block of an extract holds up to 8 000 objects and up to some 350 000 numbers."""
MAX_MULTIPOLYGON_WAYS = 2000
MAX_MULTIPOLYGON_WORK = 100_000_000
"""A multipolygon's area is built from its ways in a time that grows as their number squared
(10 000 small ways: 4 s). A building or a service has a few ways, a campus a few hundred; the
squares of a county's multipolygons add up to some hundred thousand."""
PBF_MIN_BLOCK_BYTES = 4096
"""A .pbf may have a block per 4 kB of its size (and a hundred more): an extract's blocks are
25 to 100 kB, and each block costs libosmium and the counting a little time of its own."""
MAX_PBF_INFLATION = 20
"""How many times its size a .pbf's blocks may unpack to (an OSM extract: 2 to 6 times)."""
_PBF_HEADER_BYTES = 64 * 1024
_PBF_BLOCK_BYTES = 32 * 1024 * 1024  # the format's own limits
_LAST_BYTES = bytes(range(128))  # the bytes that end a varint
# Triggers GDAL and the GeoPackage standard create: spatial index upkeep, feature counts and
# the tile-matrix and metadata checks. Any other trigger is refused.
EXPECTED_TRIGGERS = re.compile(
    r"rtree_.+_(insert\d?|update\d|delete)|trigger_(insert|delete)_feature_count_.+"
    r"|gpkg_(tile_matrix|metadata|metadata_reference)_.+", re.IGNORECASE)


class UnreadableError(InputError):
    """A file that cannot be read (exit 2); ``reason`` (a catalogue key) says why."""

    def __init__(self, key: str, reason: str, **params: object) -> None:
        super().__init__(key, reason=reason, **params)



def horizontal(crs):
    """The horizontal 2D part of a pyproj CRS (a compound one's first part), or None for a
    vertical, geocentric or engineering CRS, whose numbers are no map positions."""
    if crs.is_compound:
        crs = crs.sub_crs_list[0]
    if not (crs.is_geographic or crs.is_projected) or crs.is_geocentric or crs.is_vertical:
        return None
    return crs


def _name(value: str) -> str:
    """A name from inside a file, short enough for a message."""
    return value if len(value) <= 60 else value[:59] + "…"


def inspect_gpkg(path: Path, key: str, name: str) -> None:
    """Refuse a GeoPackage that is no SQLite database, is damaged, holds views, virtual
    tables other than R-trees or triggers other than the standard ones, or has more than
    :data:`MAX_FEATURES` rows in its layers. Runs in :data:`INSPECT_SECONDS` at most."""

    def refuse(reason: str, **params) -> UnreadableError:
        return UnreadableError(key, reason, name=name, **params)

    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise refuse("reason_not_sqlite")
    deadline = time.monotonic() + INSPECT_SECONDS
    try:
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise refuse("reason_damaged") from exc
    try:
        con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        con.execute("PRAGMA trusted_schema=OFF")
        objects = con.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        for kind, object_name, sql in objects:
            if kind == "view":
                raise refuse("reason_gpkg_view", object=_name(str(object_name)))
            if kind == "trigger" and not EXPECTED_TRIGGERS.fullmatch(str(object_name)):
                raise refuse("reason_gpkg_trigger", object=_name(str(object_name)))
            if kind == "table" and re.match(r"\s*CREATE\s+VIRTUAL\s+TABLE", sql or "", re.IGNORECASE) \
                    and not re.search(r"USING\s+rtree\s*\(", sql, re.IGNORECASE):
                raise refuse("reason_gpkg_virtual", object=_name(str(object_name)))
        tables = {str(n) for kind, n, _ in objects if kind == "table"}
        if "gpkg_contents" not in tables:
            raise refuse("reason_not_gpkg")
        layers = [str(n) for (n,) in con.execute("SELECT table_name FROM gpkg_contents")]
        rows = 0
        for layer in layers:
            if layer not in tables:  # registered but missing, or a view under another case
                raise refuse("reason_gpkg_missing_table", object=_name(layer))
            quoted = '"' + layer.replace('"', '""') + '"'
            (count,) = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT ?)",
                                   (MAX_FEATURES + 1,)).fetchone()
            rows += count
            if rows > MAX_FEATURES:
                raise refuse("reason_too_many_features", limit=thousands(MAX_FEATURES))
    except sqlite3.OperationalError as exc:
        if time.monotonic() > deadline:
            raise refuse("reason_too_slow", seconds=round(INSPECT_SECONDS)) from exc
        raise refuse("reason_damaged") from exc
    except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
        raise refuse("reason_damaged") from exc
    finally:
        con.close()


def read_csv(data: bytes, key: str, name: str, max_rows: int, **options):
    """A CSV file as a DataFrame (pandas' fast parser, the separator sniffed from the header
    as pandas does): at most :data:`MAX_COLUMNS` columns and ``max_rows`` rows, so that time
    and memory stay bounded whatever the file holds. ``options`` go to ``pandas.read_csv``."""
    import pandas as pd

    def refuse(reason: str, **params) -> UnreadableError:
        return UnreadableError(key, reason, name=name, **params)

    header = re.split(rb"\r\n|\n|\r", data[:MAX_HEADER_BYTES + 1], maxsplit=1)[0]
    if len(header) > MAX_HEADER_BYTES:
        raise refuse("reason_too_many_columns", count=f"> {MAX_COLUMNS}", limit=MAX_COLUMNS)
    try:
        text = header.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse("reason_not_utf8") from exc
    try:
        separator = csv.Sniffer().sniff(text).delimiter
    except csv.Error:
        separator = ","
    if separator.isalnum():  # a one-column file made the sniffer guess a letter
        separator = ","
    try:
        columns = len(next(csv.reader([text], delimiter=separator), []))
    except csv.Error as exc:
        raise refuse("reason_csv") from exc
    if columns > MAX_COLUMNS:
        raise refuse("reason_too_many_columns", count=columns, limit=MAX_COLUMNS)
    try:
        frame = pd.read_csv(io.BytesIO(data), sep=separator, engine="c", nrows=max_rows + 1, encoding="utf-8-sig",
                            **options)
    except UnicodeDecodeError as exc:
        raise refuse("reason_not_utf8") from exc
    except (ValueError, OverflowError, csv.Error, pd.errors.ParserError) as exc:
        raise refuse("reason_csv") from exc
    if len(frame) > max_rows:
        raise refuse("reason_too_many_rows", limit=thousands(max_rows))
    if len(frame.columns) > MAX_COLUMNS:
        raise refuse("reason_too_many_columns", count=len(frame.columns), limit=MAX_COLUMNS)
    return frame


# --- the worker ---------------------------------------------------------------------------


def read_raw(path: str) -> tuple[str | None, list[bytes]]:
    """The CRS (WKT) and the geometries (WKB, as written) of a file's first layer."""
    import pyogrio

    meta, _, geometries, _ = pyogrio.raw.read(path, read_geometry=True, return_fids=False,
                                              max_features=MAX_FEATURES + 1)
    if len(geometries) > MAX_FEATURES:
        raise _TooMany
    return meta.get("crs"), [bytes(g) for g in geometries if g is not None]


def read_frame(path: str, layer: str | None = None) -> tuple[list[str], object]:
    """The names of a file's layers and the GeoDataFrame of ``layer`` (default the first;
    None when the file has no such layer)."""
    import pyogrio

    layers = [str(n) for n, _ in pyogrio.list_layers(path)]
    if layer is not None and layer not in layers:
        return layers, None
    frame = pyogrio.read_dataframe(path, layer=layer, max_features=MAX_FEATURES + 1)
    if len(frame) > MAX_FEATURES:
        raise _TooMany
    return layers, frame


def read_excel(data: bytes):
    """The first sheet of an XLSX workbook as text (empty cells ""), at most MAX_FEATURES
    rows."""
    import pandas as pd

    frame = pd.read_excel(io.BytesIO(data), dtype=str, nrows=MAX_FEATURES + 1).fillna("")
    if len(frame) > MAX_FEATURES:
        raise _TooMany
    return frame


def read_sheets(data: bytes, names: tuple[str, ...]):
    """The sheets ``names`` of an XLSX workbook as text (empty cells ""), each at most
    MAX_FEATURES rows; None for a sheet the workbook lacks."""
    import pandas as pd

    book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
    frames = []
    for name in names:
        if name not in book.sheet_names:
            frames.append(None)
            continue
        frame = book.parse(name, dtype=str, nrows=MAX_FEATURES + 1).fillna("")
        if len(frame) > MAX_FEATURES:
            raise _TooMany
        frames.append(frame)
    return tuple(frames)


def thousands(count: int) -> str:
    """A limit or a count for a message, its thousands apart: ``100 000``."""
    return f"{count:,}".replace(",", " ")


def _varint(data, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(data):
    """(field number, value) of a protobuf message: an int, or a memoryview of the bytes."""
    data, i, end = memoryview(data), 0, len(data)
    while i < end:
        key, i = _varint(data, i)
        wire = key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            if i + length > end:
                raise ValueError("field past the end")
            value, i = data[i:i + length], i + length
        elif wire in (1, 5):
            value, i = None, i + (8 if wire == 1 else 4)
        else:
            raise ValueError(f"wire type {wire}")
        yield key >> 3, value


def _bytes(value) -> bytes:
    """A length-delimited field's bytes (never ``bytes(n)`` of a number a file put there)."""
    if not isinstance(value, memoryview):
        raise ValueError("not a bytes field")
    return bytes(value)


def _pbf_blocks(path: Path):
    """Each block of a .pbf: (its type, its declared unpacked size, the Blob message)."""
    with open(path, "rb") as handle:
        while length := handle.read(4):
            size = int.from_bytes(length, "big") if len(length) == 4 else -1
            if not 0 < size <= _PBF_HEADER_BYTES:
                raise ValueError("block header size")
            header = dict(_fields(handle.read(size)))
            datasize = header.get(3)
            if not isinstance(datasize, int) or not 0 < datasize <= _PBF_BLOCK_BYTES:
                raise ValueError("block size")
            blob = handle.read(datasize)
            if len(blob) != datasize:
                raise ValueError("cut short")
            fields = dict(_fields(blob))
            raw = fields[2] if 2 in fields else len(_bytes(fields.get(1, memoryview(b""))))
            if not isinstance(raw, int) or raw > _PBF_BLOCK_BYTES:
                raise ValueError("block too large")
            yield _bytes(header.get(1, memoryview(b""))), raw, fields


def _unpack(fields: dict, raw_size: int, name: str) -> bytes:
    """A Blob's data, never more than its declared size."""
    if 1 in fields:
        return _bytes(fields[1])
    if 3 in fields:
        unpacker = zlib.decompressobj()
    elif 4 in fields:
        unpacker = lzma.LZMADecompressor()
    else:  # lz4 or zstd: what Python's own library does not unpack, this cannot count
        raise UnreadableError("osm_unreadable", "reason_osm_compression", path=name)
    data = unpacker.decompress(_bytes(fields[3] if 3 in fields else fields[4]), raw_size + 1)
    if len(data) > raw_size:
        raise ValueError("unpacks past its declared size")
    return data


def _pbf_counts(path: Path, name: str, nodes: int) -> dict[str, int]:
    size, unpacked = path.stat().st_size, 0
    most = 100 + size // PBF_MIN_BLOCK_BYTES
    for count, (_, raw, _) in enumerate(_pbf_blocks(path), start=1):
        unpacked += raw  # as each block says
        if count > most:
            raise UnreadableError("osm_unreadable", "reason_osm_blocks", path=name, limit=thousands(most))
    if unpacked > MAX_PBF_INFLATION * max(size, 1 << 20):
        raise UnreadableError("osm_unreadable", "reason_osm_inflates", path=name, ratio=MAX_PBF_INFLATION)
    counts, in_all, limit = {"nodes": 0, "ways": 0, "relations": 0}, 0, 3 * references_limit(path)
    for kind, raw, fields in _pbf_blocks(path):
        if kind != b"OSMData":
            continue
        numbers = 0
        for number, group in _fields(_unpack(fields, raw, name)):
            if number == 2:  # a PrimitiveGroup
                held, budgeted = _group_counts(_bytes(group), counts)
                numbers += held
                in_all += budgeted
                _refuse_counts(counts, name, nodes)
        if numbers > MAX_PBF_BLOCK_NUMBERS:  # libosmium holds 16 to 24 bytes for most of them
            raise UnreadableError("osm_unreadable", "reason_osm_block", path=name,
                                  limit=thousands(MAX_PBF_BLOCK_NUMBERS))
        if in_all > limit:  # libosmium reads a file to its end, even when a reader stops early
            raise UnreadableError("osm_unreadable", "reason_osm_numbers", path=name, limit=thousands(limit))
    return counts


_GROUP_PARTS = {0x0A: "nodes", 0x1A: "ways", 0x22: "relations"}  # field 1, 3, 4 (length-delimited)


def _varints(data: bytes) -> int:
    """How many numbers a run of varints holds."""
    return len(data) - len(data.translate(None, _LAST_BYTES))


def _group_counts(group: bytes, counts: dict[str, int]) -> tuple[int, int]:
    """Adds a PrimitiveGroup's nodes, ways and relations to ``counts``: a tight loop over its
    parts, since a block holds thousands of ways. Returns how many numbers the group holds
    (more than its nodes, their tags, the ways' nodes and the relations' members, counted at
    once), and how many of them are what a reader looks at one by one: all of a group of ways,
    relations or plain nodes, the tags of DenseNodes."""
    i, end, parts, members, tags = 0, len(group), _GROUP_PARTS, False, 0
    while i < end:
        key = group[i]
        if key & 7 != 2 or key >= 0x80:
            raise ValueError("not a PrimitiveGroup")
        length = group[i + 1]
        if length < 0x80:
            i += 2
        else:
            length, i = _varint(group, i + 1)
        if i + length > end:
            raise ValueError("part past the end")
        if key == 0x12:  # DenseNodes: one id per varint in its packed field 1 (however often it comes)
            for n, v in _fields(group[i:i + length]):
                if n == 1:
                    counts["nodes"] += _varints(_bytes(v))
                elif n == 10:  # keys and values, a 0 after each node
                    tags += _varints(_bytes(v))
        elif key in parts:
            counts[parts[key]] += 1
            members = True
        i += length
    held = _varints(group)
    return held, held if members else tags


def _xml_counts(path: Path) -> dict[str, int]:
    counts = {"nodes": 0, "ways": 0, "relations": 0}
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 24):
            text = tail + chunk
            for key, tag in (("nodes", b"<node"), ("ways", b"<way"), ("relations", b"<relation")):
                counts[key] += text.count(tag) - tail.count(tag)
            tail = text[-16:]
    return counts


def _refuse_counts(counts: dict[str, int], name: str, nodes: int) -> None:
    """Refuses ``counts`` past ``nodes`` nodes or the limits of ways and relations."""
    for key, error, limit in (("nodes", "osm_too_many_nodes", nodes),
                              ("ways", "osm_too_many_ways", MAX_OSM_WAYS),
                              ("relations", "osm_too_many_relations", MAX_OSM_RELATIONS)):
        if counts[key] > limit:
            raise InputError(error, path=name, limit=thousands(limit))


def references_limit(path: Path, most: int | None = None) -> int:
    """How many nodes (and members) the ways (and relations) read from ``path`` may have: a
    million and one per byte of the file, and ``most`` (:data:`MAX_OSM_REFERENCES`) at the
    most. A .pbf's blocks may hold three times as many numbers in all (:func:`inspect_osm`):
    their nodes, tags and metadata, some 1.7 per byte in the densest extracts here. The file
    may have as many nodes (an extract: 0.1 to 0.25 a byte)."""
    return min(MAX_OSM_REFERENCES if most is None else most, 1_000_000 + path.stat().st_size)


class ReadBudget:
    """What one reading of the extract ``path`` (named ``name`` to the user) may keep and
    spend, refused with :class:`InputError` as it is spent: the nodes of the ways and the
    members of the relations it keeps (:func:`references_limit`), and the work of building
    multipolygons' areas, which grows as the square of their ways."""

    def __init__(self, path: Path, name: str) -> None:
        self.name, self.limit, self.kept, self.work = name, references_limit(path), 0, 0

    def keep(self, count: int) -> None:
        """``count`` more nodes or members kept."""
        self.kept += count
        if self.kept > self.limit:
            raise InputError("osm_too_many_references", path=self.name, limit=thousands(self.limit))

    def multipolygon(self, relation: int, ways: int) -> None:
        """The area of ``relation``, a multipolygon of ``ways`` ways, to be built: refuses one of
        more than :data:`MAX_MULTIPOLYGON_WAYS` ways, and more than
        :data:`MAX_MULTIPOLYGON_WORK` in all."""
        if ways > MAX_MULTIPOLYGON_WAYS:
            raise InputError("osm_multipolygon_too_many_ways", path=self.name, relation=relation,
                             ways=thousands(ways), limit=thousands(MAX_MULTIPOLYGON_WAYS))
        self.work += ways * ways
        if self.work > MAX_MULTIPOLYGON_WORK:
            raise InputError("osm_multipolygons_too_complex", path=self.name)


def inspect_osm(path: Path, name: str) -> dict[str, int]:
    """The nodes, ways and relations an OSM extract (.pbf, or plain XML) holds. Refuses with
    :class:`UnreadableError` a .pbf whose blocks are malformed or packed with lz4 or zstd, or
    that has more than a block per :data:`PBF_MIN_BLOCK_BYTES`, unpacks to more than
    :data:`MAX_PBF_INFLATION` times its size, has a block of more than
    :data:`MAX_PBF_BLOCK_NUMBERS` numbers or more numbers in its ways, relations and tags than
    three times :func:`references_limit`; and with :class:`InputError` an extract of more nodes
    than :func:`references_limit` allows (at most :data:`MAX_OSM_NODES`), more than
    :data:`MAX_OSM_WAYS` ways or :data:`MAX_OSM_RELATIONS` relations. A .pbf's blocks are
    counted one at a time, so a bomb is refused early. The readers then count what they keep
    (:class:`ReadBudget`)."""
    nodes = references_limit(path, MAX_OSM_NODES)
    if path.name.lower().endswith(".pbf"):
        try:
            counts = _pbf_counts(path, name, nodes)
        except (ValueError, IndexError, zlib.error, lzma.LZMAError, EOFError) as exc:
            raise UnreadableError("osm_unreadable", "reason_osm", path=name) from exc
    else:
        counts = _xml_counts(path)
    _refuse_counts(counts, name, nodes)
    return counts


class _TooMany(Exception):
    """A layer with more than MAX_FEATURES features (raised in the worker)."""


def in_worker(key: str, name: str, func, *args, failed: str = "reason_damaged"):
    """``func(*args)`` (a function of this module) in a fresh Python process limited to
    :data:`WORKER_MEMORY_BYTES` and killed after :data:`WORKER_SECONDS` (counted from when it
    has loaded its libraries, which may take :data:`WORKER_START_SECONDS`). Anything that goes
    wrong there becomes an :class:`UnreadableError` ``key`` naming the file ``name``; a
    failure of ``func`` itself has the reason ``failed``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "GDAL_NUM_THREADS": "1",
           "CPL_DEBUG": "OFF", "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent.parent),
                                                                            os.environ.get("PYTHONPATH")]))}
    request = pickle.dumps((func.__name__, args))
    worker = subprocess.Popen([sys.executable, "-m", "bidgeo.untrusted"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=env)

    def too_slow() -> UnreadableError:
        return UnreadableError(key, "reason_too_slow", name=name, seconds=round(WORKER_SECONDS))

    chunks = []
    try:
        try:
            worker.stdin.write(request)
            worker.stdin.close()
        except OSError:  # it died before reading the request
            pass
        # The worker says it is ready (one byte) once its libraries are loaded; only then does
        # the file's clock start. Its output is read straight from the pipe, without a buffer.
        out = worker.stdout.fileno()
        if not select.select([out], [], [], WORKER_START_SECONDS)[0]:
            raise too_slow()
        if os.read(out, 1) == b"R":
            deadline = time.monotonic() + WORKER_SECONDS
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([out], [], [], left)[0]:
                    raise too_slow()
                chunk = os.read(out, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        worker.stdout.close()
    output = b"".join(chunks)
    try:
        status, value = _Plain(io.BytesIO(output)).load() if worker.returncode == 0 and output else ("crashed", None)
        if status == "ok":
            return _frames(value)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, OSError):  # not what a worker sends
        status = "crashed"
    reasons = {"memory": ("reason_too_much_memory", {"limit_mb": WORKER_MEMORY_BYTES >> 20}),
               "too_many": ("reason_too_many_features", {"limit": thousands(MAX_FEATURES)})}
    reason, params = reasons.get(status, (failed, {}))
    raise UnreadableError(key, reason, name=name, **params)


_FRAME = "bidgeo.untrusted:frame"


class _Plain(pickle.Unpickler):
    """Unpickles plain values only (tuples, lists, strings, bytes, numbers, None)."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")


def _plain(value):
    """``value`` with each DataFrame as (_FRAME, geo, its Parquet bytes), in the worker."""
    import geopandas as gpd
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        buffer = io.BytesIO()
        value.to_parquet(buffer)
        return (_FRAME, isinstance(value, gpd.GeoDataFrame), buffer.getvalue())
    if isinstance(value, (tuple, list)) and not (value and isinstance(value[0], bytes)):
        return type(value)(_plain(v) for v in value)
    return value


def _frames(value):
    """The inverse of :func:`_plain`, in the parent."""
    if isinstance(value, tuple) and len(value) == 3 and value[0] == _FRAME:
        import geopandas as gpd
        import pandas as pd

        return (gpd.read_parquet if value[1] else pd.read_parquet)(io.BytesIO(value[2]))
    if isinstance(value, (tuple, list)) and not (value and isinstance(value[0], bytes)):
        return type(value)(_frames(v) for v in value)
    return value


def _serve() -> None:
    """The worker's side of :func:`in_worker`: one pickled call from stdin, its pickled
    outcome to stdout. What libraries print is no message for the user: stderr goes nowhere."""
    import resource

    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)

    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    func, args = pickle.loads(sys.stdin.buffer.read())
    import importlib

    for library in ("pandas", "geopandas", *WORKER_LIBRARIES.get(func, ())):  # before the file's clock starts
        importlib.import_module(library)
    sys.stdout.buffer.write(b"R")
    sys.stdout.buffer.flush()
    try:
        outcome = ("ok", _plain(globals()[func](*args)))
    except MemoryError:
        outcome = ("memory", None)
    except _TooMany:
        outcome = ("too_many", None)
    except Exception:  # GDAL's many error types: the parent says the file is damaged
        outcome = ("failed", None)
    try:
        data = pickle.dumps(outcome)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    sys.stdout.buffer.write(data)


if __name__ == "__main__":
    _serve()
