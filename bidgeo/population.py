"""Population grids (cells with a population, as statistical offices publish them) as
walking-distance origins, so that coverage shares are of people rather than buildings."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import Point

from bidgeo.errors import InputError, ValidationError
from bidgeo.geo import WGS84
from bidgeo.untrusted import UnreadableError, horizontal, in_worker, inspect_gpkg, read_csv, read_frame, thousands

MAX_BYTES = 50 * 1024 * 1024
MAX_CELLS = 100_000
"""Cells a grid may have: a county at 250 m has fewer, and each cell is a row to store."""
POPULATION_NAMES = ("population", "pop", "befolkning", "beftotalt", "bef_tot", "bef", "antal", "invanare")
COORDINATE_NAMES = (("lon", "lat"), ("longitude", "latitude"), ("x", "y"), ("e", "n"), ("easting", "northing"))


def _population_column(frame: pd.DataFrame, column: str | None) -> str:
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if column:
        if column not in frame.columns:
            raise ValidationError("population_column_missing", column=column, choices=", ".join(map(str, numeric)))
        return column
    by_name = [c for c in frame.columns if str(c).lower() in POPULATION_NAMES]
    if by_name:
        return by_name[0]
    raise ValidationError("population_column_unknown", choices=", ".join(map(str, numeric)) or "–")


def _numbers(values: pd.Series) -> pd.Series:
    """Numbers as floats, anything else (text, a number beyond a float's range) NaN."""
    try:
        return pd.to_numeric(values, errors="coerce").astype(float)
    except (OverflowError, ValueError, TypeError):
        def one(value) -> float:
            try:
                number = float(value)
            except (OverflowError, ValueError, TypeError):
                return np.nan
            return number if np.isfinite(number) else np.nan

        return values.map(one).astype(float)


def _to_wgs84(x: np.ndarray, y: np.ndarray, crs: CRS | None) -> tuple[np.ndarray, np.ndarray]:
    if crs is None:
        if np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90):
            return x, y
        raise ValidationError("population_no_crs")
    if horizontal(crs) is None:
        raise InputError("crs_not_horizontal", crs=crs.name)
    if crs.equals(WGS84):
        return x, y
    return Transformer.from_crs(horizontal(crs), WGS84, always_xy=True).transform(x, y)


def read_grid(data: bytes, name: str, column: str | None = None, crs: str | None = None,
              extra: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """The cells of a population grid file (GeoPackage, GeoJSON or CSV) as a table of lon,
    lat (the cell's centre in WGS 84) and population, and the ``extra`` columns (numbers of
    people, such as age groups) under their own names. Raises a typed error naming the rows
    that are wrong; nothing is returned half-read."""
    if len(data) > MAX_BYTES:
        raise InputError("population_too_big", size_mb=round(len(data) / 1e6), limit_mb=MAX_BYTES // 1_000_000)
    suffix = Path(name.lower()).suffix
    try:
        given = CRS.from_user_input(crs) if crs else None
    except CRSError as exc:
        raise InputError("crs_unknown", crs=crs) from exc
    if suffix == ".csv":
        frame = read_csv(data, "population_unreadable", name, MAX_CELLS)
        lower = {str(c).lower(): c for c in frame.columns}
        pair = next(((lower[a], lower[b]) for a, b in COORDINATE_NAMES if a in lower and b in lower), None)
        if pair is None:
            raise ValidationError("population_no_coordinates", columns=", ".join(map(str, frame.columns)))
        x, y = _numbers(frame[pair[0]]), _numbers(frame[pair[1]])
        source_crs = given
    elif suffix in (".gpkg", ".geojson", ".json"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"grid{suffix}"
            path.write_bytes(data)
            if suffix == ".gpkg":
                inspect_gpkg(path, "population_unreadable", name)
            _, frame = in_worker("population_unreadable", name, read_frame, str(path))
        if len(frame) > MAX_CELLS:
            raise UnreadableError("population_unreadable", "reason_too_many_features",
                                  name=name, limit=thousands(MAX_CELLS))
        try:
            points = frame.geometry.representative_point()
        except (ValueError, TypeError) as exc:  # a layer without geometries
            raise UnreadableError("population_unreadable", "reason_damaged", name=name) from exc
        x, y = pd.Series(points.x.to_numpy()), pd.Series(points.y.to_numpy())
        source_crs = frame.crs or given
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    else:
        raise InputError("population_unsupported", name=name)
    people = _numbers(frame[_population_column(frame, column)])
    groups = {c: _numbers(frame[_population_column(frame, c)]) for c in extra}
    bad = np.flatnonzero(x.isna().to_numpy() | y.isna().to_numpy() | people.isna().to_numpy()
                         | (people < 0).to_numpy()
                         | np.any([g.isna().to_numpy() | (g < 0).to_numpy() for g in groups.values()] or [False], axis=0))
    if len(bad):
        rows = ", ".join(str(r + 2 if suffix == ".csv" else r + 1) for r in bad[:10])
        raise ValidationError("population_bad_rows", rows=rows, count=len(bad))
    if frame.empty:
        raise ValidationError("population_empty", name=name)
    lon, lat = (np.asarray(v, dtype=float) for v in _to_wgs84(x.to_numpy(float), y.to_numpy(float), source_crs))
    outside = np.flatnonzero(~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
                               & np.isfinite(people.to_numpy(float))))
    if len(outside):
        rows = ", ".join(str(r + 2 if suffix == ".csv" else r + 1) for r in outside[:10])
        raise ValidationError("population_bad_rows", rows=rows, count=len(outside))
    return pd.DataFrame({"lon": lon, "lat": lat, "population": people.to_numpy(float),
                         **{c: g.to_numpy(float) for c, g in groups.items()}})


def set_grid(engine, project_id: int, cells: pd.DataFrame) -> int:
    """Make ``cells`` the project's population grid (replacing an earlier import)."""
    from sqlalchemy import delete
    from sqlalchemy.orm import Session

    from bidgeo.db import PopulationCell  # the store only here: `bidgeo region` reads grids without one

    with Session(engine) as session:
        session.execute(delete(PopulationCell).where(PopulationCell.project_id == project_id))
        session.add_all(PopulationCell(project_id=project_id, population=float(p), geom=Point(x, y))
                        for x, y, p in cells[["lon", "lat", "population"]].itertuples(index=False))
        session.commit()
    return len(cells)


def grid(engine, project_id: int) -> pd.DataFrame | None:
    """The project's population grid (lon, lat, population), or None."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bidgeo.db import PopulationCell

    with Session(engine) as session:
        rows = session.execute(select(PopulationCell.geom, PopulationCell.population)
                               .where(PopulationCell.project_id == project_id)
                               .order_by(PopulationCell.id)).all()
    if not rows:
        return None
    return pd.DataFrame({"lon": [g.x for g, _ in rows], "lat": [g.y for g, _ in rows],
                         "population": [p for _, p in rows]})
