"""The ``bidgeo`` command line (``shared/spec/cli.md``). Failures print one line to stderr
and exit 1 (invalid input), 2 (unreadable input or misuse) or 3 (a service unavailable);
``--debug`` shows the traceback."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from bidgeo import __version__
from bidgeo.i18n import DEFAULT_LANGUAGE, LANGUAGES, t


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", default=default, help="database URL (or BIDGEO_DATABASE_URL)")
    parser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS if suppress else DEFAULT_LANGUAGE)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS if suppress else False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bidgeo", description=t("cli_description", "en"))
    parser.add_argument("--version", action="version", version=f"bidgeo {__version__}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("demo", parents=[common], help="create or refresh the demo project")

    projects = commands.add_parser("projects", parents=[common], help="list projects")
    projects.add_argument("--json", action="store_true")

    services = commands.add_parser(
        "services", parents=[common], help="service points from a local .osm/.osm.pbf file"
    )
    services.add_argument("file", metavar="FILE")
    services.add_argument("--area", metavar="AREA", help="a boundary file or project:ID")
    services.add_argument("--format", choices=("geojson", "csv"), default="geojson")
    services.add_argument("--out", metavar="PATH", type=Path)
    return parser


def _store(args):
    from bidgeo.db import open_store

    return open_store(args.db)


def _area(args):
    from bidgeo.area import read_area
    from bidgeo.errors import ValidationError
    from bidgeo.projects import get_project

    if args.area is None:
        return None
    if args.area.startswith("project:"):
        project = get_project(_store(args), args.area.removeprefix("project:"))
        raise ValidationError("project_has_no_area", name=project.name)
    return read_area(args.area)


def cmd_demo(args) -> int:
    from bidgeo.demo import ensure_demo

    project = ensure_demo(_store(args))
    print(project.id)
    print(t("cli_demo_done", args.lang, id=project.id, services=project.service_count), file=sys.stderr)
    return 0


def cmd_projects(args) -> int:
    from bidgeo.projects import list_projects

    projects = list_projects(_store(args))
    if args.json:
        print(json.dumps([
            {
                "id": p.id,
                "name": p.name,
                "locality": p.locality,
                "municipality": p.municipality,
                "bid_type": p.bid_type,
                "created": p.created_at.isoformat(),
                "services": p.service_count,
            }
            for p in projects
        ], ensure_ascii=False, indent=2))
    else:
        for p in projects:
            print(f"{p.id}\t{p.name}\t{p.locality}")
    return 0


def cmd_services(args) -> int:
    from bidgeo import services
    from bidgeo.osm import read_osm

    area = _area(args)
    points = read_osm(args.file).services
    if area is not None:
        points = services.within(points, area)
    text = services.to_geojson(points) if args.format == "geojson" else services.to_csv(points)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


COMMANDS = {"demo": cmd_demo, "projects": cmd_projects, "services": cmd_services}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from bidgeo.errors import BidgeoError

    try:
        return COMMANDS[args.command](args)
    except BidgeoError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"bidgeo: {exc.message(args.lang)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"bidgeo: {t('cli_interrupted', args.lang)}", file=sys.stderr)
        return 130
    except Exception as exc:  # the contract: never a traceback unless --debug
        if args.debug:
            traceback.print_exc()
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
        print(f"bidgeo: {t('cli_internal_error', args.lang, detail=detail)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
