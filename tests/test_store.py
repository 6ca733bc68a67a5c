"""Storage tests; each runs on SQLite and on PostgreSQL/PostGIS."""

import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from bidgeo.db import open_store
from bidgeo.demo import DEMO_NAME, ensure_demo, ensure_demo_if_empty
from bidgeo.errors import InputError, NotFoundError, ValidationError
from bidgeo.projects import create_project, get_project, list_projects, osm_file, service_points
from conftest import CASES_OSM


def test_migrations_create_the_schema_and_are_idempotent(engine, database_url):
    open_store(database_url).dispose()  # a second run finds nothing to do
    names = set(sa.inspect(engine).get_table_names())
    assert {"projects", "service_points", "alembic_version"} <= names
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "bidgeo:migrations")
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head == f"{len(list(ScriptDirectory.from_config(config).walk_revisions())):04d}"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head


def test_geometry_is_postgis_or_wkb(engine):
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            kind = conn.execute(sa.text(
                "SELECT type FROM geometry_columns WHERE f_table_name = 'service_points'"
            )).scalar()
            assert kind == "POINT"
        else:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 5000


def test_create_project_with_osm_and_read_it_back(engine):
    project = create_project(engine, "Byn", locality="Byn", municipality="Rättvik",
                             bid_type="centre", osm_path=CASES_OSM)
    assert project.service_count == 17
    assert [p.name for p in list_projects(engine)] == ["Byn"]
    assert get_project(engine, project.id) == get_project(engine, "Byn")
    points = service_points(engine, project.id)
    assert len(points) == 17
    row = points[(points.osm_type == "relation") & (points.osm_id == 1)].iloc[0]
    assert row["category"] == "library" and row["name"] == "Biblioteket"
    assert isinstance(row.geometry, Point)
    assert 15.60 < row.geometry.x < 15.61 and 60.61 < row.geometry.y < 60.62
    path = osm_file(engine, project)
    assert path.read_bytes() == CASES_OSM.read_bytes()
    path.unlink()  # the cache can go: the database holds the extract
    assert osm_file(engine, project).read_bytes() == CASES_OSM.read_bytes()


@pytest.mark.postgres
def test_spatial_query_on_postgis(postgres_url):
    engine = open_store(postgres_url)
    project = create_project(engine, "Byn", osm_path=CASES_OSM)
    with engine.connect() as conn:
        inside = conn.execute(sa.text(
            "SELECT count(*) FROM service_points WHERE project_id = :p AND "
            "ST_Within(geom, ST_MakeEnvelope(15.5999, 60.5999, 15.6016, 60.6012, 4326))"
        ), {"p": project.id}).scalar()
    assert inside == 7  # nodes 1-6 (3 twice: bank and atm; 5 is disused) and the Coop way


def test_bad_input_saves_nothing(engine, tmp_path):
    with pytest.raises(ValidationError):
        create_project(engine, "   ")
    with pytest.raises(ValidationError):
        create_project(engine, "X", bid_type="mall")
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1' lat='x'")
    with pytest.raises(InputError):
        create_project(engine, "X", osm_path=broken)
    assert list_projects(engine) == []
    create_project(engine, "X")
    with pytest.raises(ValidationError) as err:
        create_project(engine, "X")
    assert err.value.key == "name_taken"
    assert [p.name for p in list_projects(engine)] == ["X"]


def test_get_project_not_found(engine):
    with pytest.raises(NotFoundError) as err:
        get_project(engine, "Ingen")
    assert err.value.exit_code == 2


def test_demo_is_created_once_and_refreshed(engine):
    ensure_demo_if_empty(engine)
    first = get_project(engine, DEMO_NAME)
    assert first.service_count == 43 and first.locality == "Karhula"
    ensure_demo_if_empty(engine)  # not empty now: nothing happens
    again = ensure_demo(engine)  # refresh keeps the same project
    assert again.id == first.id and again.service_count == 43
    assert len(list_projects(engine)) == 1


def test_database_unavailable_is_a_clear_error():
    from bidgeo.errors import ServiceUnavailableError

    with pytest.raises(ServiceUnavailableError) as err:
        open_store("postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    assert err.value.exit_code == 3
    assert "BIDGEO_DATABASE_URL" in err.value.message("sv")


def test_upgrade_keeps_data_of_an_older_schema(database_url):
    """A store made by the first release (revision 0001) upgrades with its data intact."""
    from alembic import command
    from alembic.config import Config

    from bidgeo.db import make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", "bidgeo:migrations")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(sa.text("INSERT INTO projects (name, locality, municipality, bid_type, created_at) "
                             "VALUES ('Gamla projektet', 'Orsa', 'Orsa', 'service', CURRENT_TIMESTAMP)"))
        point = ("ST_GeomFromText('POINT(14.62 61.12)', 4326)" if engine.dialect.name == "postgresql"
                 else "X'" + Point(14.62, 61.12).wkb_hex + "'")
        conn.execute(sa.text("INSERT INTO service_points (project_id, category, name, osm_type, osm_id, source, "
                             f"tags, geom) VALUES (1, 'pharmacy', 'Apoteket Orsa', 'node', 5, 'osm', '{{}}', {point})"))
    upgraded = open_store(database_url)
    assert [(p.name, p.locality, p.service_count) for p in list_projects(upgraded)] == [("Gamla projektet", "Orsa", 1)]
    assert "area_versions" in sa.inspect(upgraded).get_table_names()
    kept = service_points(upgraded, 1)  # the old points became the project's first snapshot
    assert kept[["category", "name"]].values.tolist() == [["pharmacy", "Apoteket Orsa"]]
    assert kept.geometry.iloc[0].equals(Point(14.62, 61.12))
