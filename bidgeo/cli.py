"""The ``bidgeo`` command line (``docs/spec/cli.md``). Failures print one line to stderr
and exit 1 (invalid input), 2 (unreadable input or misuse) or 3 (a service unavailable);
``--debug`` shows the traceback."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from datetime import date
from pathlib import Path

from bidgeo import __version__
from bidgeo.errors import BidgeoError, InputError, ValidationError
from bidgeo.i18n import DEFAULT_LANGUAGE, LANGUAGES, t


class ArgumentMistake(Exception):
    """A command line argparse cannot take; :func:`main` says it in the user's language."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog, self.text = prog, message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own is English usage text and exits
        raise ArgumentMistake(self.prog, message)


# argparse's messages (Python 3.11), and the catalogue entry that says each in our words.
_ARGPARSE_MESSAGES = [
    (re.compile(r"the following arguments are required: (?P<args>.+)"), "cli_args_required"),
    (re.compile(r"unrecognized arguments: (?P<args>.+)"), "cli_args_unknown"),
    (re.compile(r"argument (?P<arg>\S+): invalid choice: '(?P<value>.*)' \(choose from (?P<choices>.+)\)"),
     "cli_args_choice"),
    (re.compile(r"argument (?P<arg>\S+): invalid \w+ value: '(?P<value>.*)'"), "cli_args_value"),
    (re.compile(r"argument (?P<arg>\S+): expected .+"), "cli_args_missing_value"),
    (re.compile(r"ambiguous option: (?P<arg>\S+) could match (?P<args>.+)"), "cli_args_ambiguous"),
]


def argument_message(mistake: ArgumentMistake, lang: str) -> str:
    """One line that says what is wrong with the command line, in ``lang``."""
    for pattern, key in _ARGPARSE_MESSAGES:
        found = pattern.fullmatch(mistake.text)
        if found:
            params = {k: v.replace("'", "") for k, v in found.groupdict().items()}
            if key == "cli_args_choice" and not params["arg"].startswith("-"):  # a (sub)command
                key = "cli_args_command"
            if key == "cli_args_required" and params["args"].endswith("command"):
                key = "cli_args_no_command"
            return t(key, lang, prog=mistake.prog, **params)
    return t("cli_args_other", lang, prog=mistake.prog)


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", default=default, help="database URL (or BIDGEO_DATABASE_URL)")
    parser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS if suppress else DEFAULT_LANGUAGE)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS if suppress else False)
    parser.add_argument("--user", default=default,
                        help="with BIDGEO_AUTH=1: who runs the command (or BIDGEO_USER; the password from "
                        "BIDGEO_PASSWORD or asked for)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bidgeo", description=t("cli_description", "en"))
    parser.add_argument("--version", action="version", version=f"bidgeo {__version__}")
    _global_options(parser, suppress=False)
    common = _Parser(add_help=False)
    _global_options(common, suppress=True)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("demo", parents=[common], help="create or refresh the demo project")

    projects = commands.add_parser("projects", parents=[common], help="list projects")
    projects.add_argument("--json", action="store_true")

    area = commands.add_parser("area", help="check or save a BID boundary")
    area_commands = area.add_subparsers(dest="area_command", required=True)
    check = area_commands.add_parser("check", parents=[common], help="validate and measure a boundary file")
    check.add_argument("file", metavar="FILE")
    check.add_argument("--json", action="store_true")
    check.add_argument("--repair", metavar="OUT", type=Path, help="write a repaired polygon (GeoJSON)")
    check.add_argument("--force", action="store_true", help="overwrite an existing OUT")
    area_set = area_commands.add_parser("set", parents=[common], help="save a boundary as the project's new area version")
    area_set.add_argument("project", metavar="PROJECT")
    area_set.add_argument("file", metavar="FILE")
    area_set.add_argument("--comment", default="")
    area_set.add_argument("--author", default="")

    cover = commands.add_parser("coverage", parents=[common], help="walking-distance coverage per category")
    cover.add_argument("file", metavar="FILE")
    cover.add_argument("--area", metavar="AREA", help="only origins inside: a boundary file or project:ID")
    cover.add_argument("--bands", default="400,800,1200")
    cover.add_argument("--categories", metavar="K1,K2")
    cover.add_argument("--format", choices=("json", "csv"), default="json")
    cover.add_argument("--per-origin", metavar="OUT", type=Path, help="write each origin's distances (CSV)")
    cover.add_argument("--force", action="store_true", help="overwrite an existing OUT")

    compare = commands.add_parser("compare", parents=[common], help="coverage side by side for several projects")
    compare.add_argument("projects", metavar="PROJECT", nargs="+")
    compare.add_argument("--bands", default="400,800,1200")
    compare.add_argument("--categories", metavar="K1,K2")
    compare.add_argument("--format", choices=("json", "csv"), default="json")

    services = commands.add_parser(
        "services", parents=[common], help="service points from a local .osm/.osm.pbf file"
    )
    services.add_argument("file", metavar="FILE", nargs="?")
    services.add_argument("--overpass", action="store_true", help="fetch from live OpenStreetMap (needs --area)")
    services.add_argument("--buffer", type=float, default=2000, help="metres around the area with --overpass")
    services.add_argument("--area", metavar="AREA", help="a boundary file or project:ID")
    services.add_argument("--format", choices=("geojson", "csv"), default="geojson")
    services.add_argument("--out", metavar="PATH", type=Path)
    services.add_argument("--force", action="store_true", help="overwrite an existing PATH")
    services.add_argument("--project", metavar="PROJECT",
                          help="also save them as the project's newest import (a file also becomes its OSM extract)")

    register = commands.add_parser("register", parents=[common],
                                   help="import a service register (CSV, XLSX, GeoPackage) into a project")
    register.add_argument("project", metavar="PROJECT")
    register.add_argument("file", metavar="FILE", type=Path)
    register.add_argument("--name", required=True, metavar="COLUMN", help="the column with the name")
    register.add_argument("--type", required=True, metavar="COLUMN", help="the column with the type")
    register.add_argument("--x", metavar="COLUMN", help="easting/longitude column (a GeoPackage: its geometry)")
    register.add_argument("--y", metavar="COLUMN", help="northing/latitude column (a GeoPackage: its geometry)")
    register.add_argument("--crs", default=None, help="CRS of the coordinates (default EPSG:4326)")
    register.add_argument("--map", action="append", default=[], metavar="TYPE=CATEGORY",
                          help="the category of a type (repeatable; CATEGORY empty leaves the type out); "
                               "types not given are guessed from the category labels")
    kit = commands.add_parser("walk-kit", help="the offline field kit for place walks (QField, Mergin Maps)")
    kit_commands = kit.add_subparsers(dest="kit_command", required=True)
    kit_export = kit_commands.add_parser("export", parents=[common],
                                         help="write the kit (OUT.gpkg) and its QGIS project (OUT.qgs)")
    kit_export.add_argument("project", metavar="PROJECT")
    kit_export.add_argument("out", metavar="OUT.gpkg", type=Path)
    kit_export.add_argument("--force", action="store_true", help="overwrite an existing kit")
    kit_import = kit_commands.add_parser("import", parents=[common],
                                         help="import a filled kit's observations (idempotent by uuid)")
    kit_import.add_argument("project", metavar="PROJECT")
    kit_import.add_argument("file", metavar="IN.gpkg", type=Path)
    kit_import.add_argument("--walk", type=int, metavar="ID",
                            help="the walk for new observations (default: the project's newest walk)")
    kit_import.add_argument("--author", default="", help="who imports (kept in the observations' history)")
    kit_import.add_argument("--json", action="store_true")

    export = commands.add_parser("export", parents=[common], help="status-analysis exports (reports, GIS, tables)")
    export.add_argument("project", metavar="PROJECT")
    export.add_argument("--format", required=True, choices=("gpkg", "html", "pdf", "csv", "xlsx", "handover"),
                        help="pdf/html report, GeoPackage, zipped CSV tables, an XLSX workbook, or the "
                             "handover package (zip) for the organisation that takes over")
    export.add_argument("--out", required=True, metavar="PATH", type=Path)
    export.add_argument("--force", action="store_true", help="overwrite an existing PATH")
    export.add_argument("--public", action="store_true",
                        help="leave out people's names and the stakeholder register")
    export.add_argument("--with-contacts", action="store_true",
                        help="handover: include the stakeholders' contact details (personal data)")
    export.add_argument("--buffer", type=float, default=500, metavar="METRES",
                        help="services and walking distance for the BID area and this many metres around it "
                             "(0-5000, default 500)")
    export.add_argument("--whole-locality", action="store_true",
                        help="services and walking distance for the whole locality instead")

    conclude = commands.add_parser("conclusions", parents=[common],
                                   help="the status analysis's conclusions in the BID manager's words: "
                                        "print them, or set them")
    conclude.add_argument("project", metavar="PROJECT")
    conclude.add_argument("--summary", metavar="TEXT", help="the summary")
    conclude.add_argument("--focus", metavar="AREA", choices=("place_brand", "offering", "place", "accessibility",
                                                              "clean_safe"),
                          help="the focus area that --strengths, --challenges and --opportunities are for")
    conclude.add_argument("--strengths", metavar="TEXT")
    conclude.add_argument("--challenges", metavar="TEXT")
    conclude.add_argument("--opportunities", metavar="TEXT")
    conclude.add_argument("--file", metavar="FILE.json", type=Path,
                          help="set the texts a JSON file holds (shaped as --json prints them)")
    conclude.add_argument("--author", default="", help="who writes (shown in the report)")
    conclude.add_argument("--json", action="store_true")

    final_cmd = commands.add_parser("report", help="reports of the process (step 7: the final report)")
    report_commands = final_cmd.add_subparsers(dest="report_command", required=True)
    final = report_commands.add_parser("final", parents=[common],
                                       help="the final report (slutrapport): baseline against follow-up, as PDF")
    final.add_argument("project", metavar="PROJECT")
    final.add_argument("--out", required=True, metavar="PATH.pdf", type=Path)
    final.add_argument("--force", action="store_true", help="overwrite an existing PATH")

    backup = commands.add_parser("backup", parents=[common],
                                 help="a consistent backup of the whole database (photos included), "
                                      "safe while the app runs")
    backup.add_argument("out", metavar="OUT", type=Path, help="the backup file to write (an SQLite file)")
    backup.add_argument("--force", action="store_true", help="overwrite an existing file")
    backup.add_argument("--format", choices=("sqlite", "pg_dump"), default="sqlite",
                        help="pg_dump: a pg_dump archive of a PostgreSQL database (restores into the same schema)")
    restore = commands.add_parser("restore", parents=[common],
                                  help="restore a backup into the database (SQLite or PostgreSQL)")
    restore.add_argument("file", metavar="IN", type=Path, help="a file that bidgeo backup wrote")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds data")

    user = commands.add_parser("user", help="accounts and their roles per project (used with BIDGEO_AUTH=1)")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_add = user_commands.add_parser("add", parents=[common],
                                        help="add an account; the password is read as one line from stdin")
    user_add.add_argument("username", metavar="USERNAME")
    user_add.add_argument("--name", default="", help="the name shown in the app")
    user_add.add_argument("--email", default="", help="the address an OIDC sign-in (if configured) is matched by")
    user_password = user_commands.add_parser("password", parents=[common],
                                             help="set a new password (read as one line from stdin); "
                                                  "also lifts a lockout after failed logins")
    user_password.add_argument("username", metavar="USERNAME")
    user_disable = user_commands.add_parser("disable", parents=[common],
                                            help="disable an account: it can no longer log in (its roles are kept)")
    user_disable.add_argument("username", metavar="USERNAME")
    user_enable = user_commands.add_parser("enable", parents=[common], help="let a disabled account log in again")
    user_enable.add_argument("username", metavar="USERNAME")
    user_grant = user_commands.add_parser("grant", parents=[common], help="give a user a role in a project")
    user_grant.add_argument("username", metavar="USERNAME")
    user_grant.add_argument("project", metavar="PROJECT")
    user_grant.add_argument("role", metavar="ROLE", help="admin, editor, reviewer or viewer")
    user_revoke = user_commands.add_parser("revoke", parents=[common], help="take a user's role in a project away")
    user_revoke.add_argument("username", metavar="USERNAME")
    user_revoke.add_argument("project", metavar="PROJECT")
    user_list = user_commands.add_parser("list", parents=[common], help="list accounts and their roles")
    user_list.add_argument("--json", action="store_true")
    business_plan = commands.add_parser("plan", help="the business plan: its workbook, figures and documents")
    plan_commands = business_plan.add_subparsers(dest="plan_command", required=True)
    plan_template = plan_commands.add_parser("template", parents=[common],
                                             help="write the workbook to fill in (sheets budget, financing, settings)")
    plan_template.add_argument("out", metavar="OUT.xlsx", type=Path)
    plan_template.add_argument("--force", action="store_true", help="overwrite an existing file")
    plan_import = plan_commands.add_parser("import", parents=[common],
                                           help="read a filled workbook into the plan (any bad row: nothing saved)")
    plan_import.add_argument("project", metavar="PROJECT")
    plan_import.add_argument("file", metavar="IN.xlsx", type=Path)
    plan_import.add_argument("--json", action="store_true")
    plan_import.add_argument("--add-parties", action="store_true",
                             help="add financing parties that are not in the stakeholder register to it")
    plan_show = plan_commands.add_parser("show", parents=[common], help="the plan's figures")
    plan_show.add_argument("project", metavar="PROJECT")
    plan_show.add_argument("--json", action="store_true")
    plan_export = plan_commands.add_parser("export", parents=[common],
                                           help="the plan as a PDF report, an editable DOCX, or the workbook")
    plan_export.add_argument("project", metavar="PROJECT")
    plan_export.add_argument("--format", required=True, choices=("pdf", "docx", "xlsx"))
    plan_export.add_argument("--out", required=True, metavar="PATH", type=Path)
    plan_export.add_argument("--force", action="store_true", help="overwrite an existing PATH")
    plan_text = plan_commands.add_parser("text", parents=[common],
                                         help="write the vision, the target picture and the goals per focus area "
                                              "(what is not given stays)")
    plan_text.add_argument("project", metavar="PROJECT")
    plan_text.add_argument("--vision", metavar="TEXT")
    plan_text.add_argument("--target", metavar="TEXT", help="the target picture (målbild)")
    plan_text.add_argument("--goal", action="append", default=[], metavar="FOCUS_AREA=TEXT",
                           help="a focus area's goal (an empty TEXT removes it); may be repeated")
    plan_stone = plan_commands.add_parser("milestone", parents=[common],
                                          help="add a milestone, or with --id change one (what is not given stays)")
    plan_stone.add_argument("project", metavar="PROJECT")
    plan_stone.add_argument("title", metavar="TITLE", nargs="?")
    plan_stone.add_argument("--id", type=int, metavar="N", help="the milestone to change")
    plan_stone.add_argument("--due", metavar="YYYY-MM-DD")
    plan_stone.add_argument("--focus", metavar="FOCUS_AREA")
    plan_stone.add_argument("--how", metavar="TEXT")
    where = plan_stone.add_mutually_exclusive_group()
    where.add_argument("--at", metavar="LON,LAT", help="where on the map (WGS 84)")
    where.add_argument("--whole-area", action="store_true", help="the whole area (no place on the map)")
    plan_stone.add_argument("--actions", metavar="ID,ID", help="the action plan's actions it is reached by")
    plan_case = plan_commands.add_parser("case", parents=[common],
                                         help="add a case tried for real, or with --id change one")
    plan_case.add_argument("project", metavar="PROJECT")
    plan_case.add_argument("title", metavar="TITLE", nargs="?")
    plan_case.add_argument("--id", type=int, metavar="N", help="the case to change")
    plan_case.add_argument("--done", metavar="YYYY-MM-DD")
    plan_case.add_argument("--cost", metavar="SEK")
    plan_case.add_argument("--result", metavar="TEXT")
    plan_version = plan_commands.add_parser("version", parents=[common],
                                            help="move the plan's version on (draft, consultation, approved, "
                                                 "anchored) or start a new one")
    plan_version.add_argument("project", metavar="PROJECT")
    step = plan_version.add_mutually_exclusive_group(required=True)
    step.add_argument("--advance", action="store_true", help="the current version one step on")
    step.add_argument("--new", action="store_true", help="start the next version as a draft")
    plan_version.add_argument("--by", default="", metavar="NAME", help="who took the step")
    plan_comment = plan_commands.add_parser("comment", parents=[common],
                                            help="a steering-group comment on the version out for comments")
    plan_comment.add_argument("project", metavar="PROJECT")
    plan_comment.add_argument("text", metavar="TEXT")
    plan_comment.add_argument("--author", required=True, metavar="NAME")
    agreement = commands.add_parser("agreement", parents=[common],
                                    help="the draft cooperation agreement (samverkansavtal) built from the plan")
    agreement.add_argument("project", metavar="PROJECT")
    agreement.add_argument("--format", required=True, choices=("docx", "pdf"))
    agreement.add_argument("--out", required=True, metavar="PATH", type=Path)
    agreement.add_argument("--force", action="store_true", help="overwrite an existing PATH")

    premises = commands.add_parser("premises", help="ground-floor premises and vacancy")
    premises_commands = premises.add_subparsers(dest="premises_command", required=True)
    premises_import = premises_commands.add_parser(
        "import", parents=[common], help="premises and their status from CSV, XLSX or GeoPackage (columns: id, "
        "address, status, use, floor_area_m2, observed, lon/lat or the layer's geometry, optionally owner)")
    premises_import.add_argument("project", metavar="PROJECT")
    premises_import.add_argument("file", metavar="FILE", type=Path)
    premises_import.add_argument("--json", action="store_true")
    premises_list = premises_commands.add_parser("list", parents=[common],
                                                 help="premises and vacancy, now or as they were on a date")
    premises_list.add_argument("project", metavar="PROJECT")
    premises_list.add_argument("--json", action="store_true")
    premises_list.add_argument("--at", metavar="YYYY-MM-DD", help="the register as it was on this date")
    region = commands.add_parser("region", parents=[common],
                                 help="coverage for every locality of a region at once, on foot or by car")
    region.add_argument("file", metavar="FILE.osm.pbf")
    region.add_argument("--localities", required=True, metavar="FILE",
                        help="locality boundaries (GeoPackage, GeoJSON or zipped Shapefile)")
    region.add_argument("--name-field", metavar="F", help="the field with each locality's name")
    region.add_argument("--population", metavar="GRID", help="a population grid (GeoPackage, GeoJSON or CSV)")
    region.add_argument("--population-field", metavar="COLUMN", help="the grid's total population column")
    region.add_argument("--age-fields", metavar="C1,C2", help="the grid's age-group columns, e.g. bef_65plus")
    region.add_argument("--mode", choices=("walk", "drive"), default="walk")
    region.add_argument("--bands", help="metres (default 400,800,1200 on foot; 2000,5000,10000,20000 by car)")
    region.add_argument("--minutes", metavar="M1,M2", help="bands in minutes' walk at --speed instead of metres")
    region.add_argument("--speed", default="80", help="walking speed in metres a minute (default 80)")
    region.add_argument("--age-speed", default="60", help="the elderly's walking speed (default 60)")
    region.add_argument("--categories", metavar="K1,K2")
    region.add_argument("--format", choices=("json", "csv", "gpkg"), default="json")
    region.add_argument("--out", metavar="PATH", type=Path, help="write to PATH (needed for gpkg)")
    region.add_argument("--force", action="store_true", help="overwrite an existing PATH")
    audit_log = commands.add_parser("audit", parents=[common], help="the change log: who changed what")
    audit_log.add_argument("project", metavar="PROJECT", nargs="?", help="one project (default: all)")
    audit_log.add_argument("--limit", type=int, default=200)
    audit_log.add_argument("--json", action="store_true")
    return parser


def _store(args):
    """The store, with every change logged as done by the command's user (``bidgeo.audit``)."""
    from bidgeo import audit
    from bidgeo.db import open_store

    return audit.acting(open_store(args.db), args.actor)


# What each command may only do with BIDGEO_AUTH=1: the action (bidgeo.accounts.ACTIONS) and
# where: "project" (args.project), "projects" (each of args.projects), "any" (some project),
# "all" (every project: the whole database), "account" (some project, and the account
# args.username is theirs to manage: bidgeo.accounts.may_manage_account), "demo" (the demo
# project if it exists, else some project). Commands that read only files are not listed.
PERMISSIONS = {
    "demo": ("manage", "demo"),
    "projects": ("view", "any"),
    ("area", "set"): ("edit_area", "project"),
    "register": ("manage", "project"),
    "compare": ("view", "projects"),
    ("walk-kit", "export"): ("record", "project"),
    ("walk-kit", "import"): ("record", "project"),
    "export": ("view", "project"),
    ("report", "final"): ("view", "project"),  # public: no one's name in it
    "backup": ("manage", "all"),
    "restore": ("manage", "all"),
    ("user", "add"): ("manage", "any"),
    ("user", "password"): ("manage", "account"),
    ("user", "disable"): ("manage", "account"),
    ("user", "enable"): ("manage", "account"),
    ("user", "grant"): ("manage", "project"),
    ("user", "revoke"): ("manage", "project"),
    ("user", "list"): ("manage", "any"),
    "audit": ("manage", "project"),
    ("plan", "import"): ("review", "project"),
    ("plan", "show"): ("view", "project"),
    ("plan", "export"): ("view", "project"),
    ("plan", "text"): ("review", "project"),
    ("plan", "milestone"): ("review", "project"),
    ("plan", "case"): ("review", "project"),
    ("plan", "version"): ("review", "project"),
    ("plan", "comment"): ("review", "project"),
    "agreement": ("view", "project"),
    "conclusions": ("view", "project"),
    ("premises", "import"): ("manage", "project"),
    ("premises", "list"): ("view", "project"),
}


def _authorise(args, command) -> str:
    """Who runs the command (their username with accounts on, else ``cli:<login>``), after
    checking their password and that their role allows the command. While no one is an
    administrator yet, the ``user`` commands are open, so the first one can be made."""
    import getpass

    from bidgeo import config

    try:
        login = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (e.g. a container without one)
        login = "cli"
    args.user_id = None  # with accounts on, the checked user's id (_check_role)
    if not config.auth_enabled():
        return login
    from bidgeo import accounts  # the store's imports, only where accounts are on
    from bidgeo.db import open_store

    engine = open_store(args.db)
    try:
        if isinstance(command, tuple) and command[0] == "user" and not accounts.any_admin(engine):
            return login
        return _check_role(args, command, engine)
    finally:
        engine.dispose()


def _check_role(args, command, engine) -> str:
    """The name of the user running the command, once their password and role (see
    :data:`PERMISSIONS`) are checked."""
    import getpass

    from bidgeo import accounts
    from bidgeo.errors import ForbiddenError
    from bidgeo.projects import get_project, list_projects

    username = args.user or os.environ.get("BIDGEO_USER", "")
    password = os.environ.get("BIDGEO_PASSWORD")
    if not username:
        raise InputError("cli_login_needed")
    if password is None:
        password = getpass.getpass(t("cli_password_prompt", args.lang)) if sys.stdin and sys.stdin.isatty() else ""
    user = accounts.authenticate(engine, username, password)
    if user is None:
        raise ValidationError("login_failed")
    args.user_id = user.id
    action, where = PERMISSIONS.get(command, (None, None))
    area = getattr(args, "area", None) or ""
    needed = [("view", get_project(engine, area.removeprefix("project:")).id)] if area.startswith("project:") else []
    if where == "project" and getattr(args, "project", None) is not None:
        needed.append((action, get_project(engine, args.project).id))
    elif where == "projects":
        needed += [(action, get_project(engine, ref).id) for ref in args.projects]
    elif where in ("project", "all"):  # every project (also audit asked without one: the whole log)
        needed += [(action, p.id) for p in list_projects(engine)]
    if command == "export" and args.format == "handover":  # as on the process page: everyone's names in it
        needed.append(("manage", get_project(engine, args.project).id))
    elif command == "export" and (not args.public or args.with_contacts):
        needed.append(("personal_data", get_project(engine, args.project).id))
    if command == "conclusions" and _conclusions_given(args):  # writing them is the BID manager's
        needed.append(("manage", get_project(engine, args.project).id))
    if command == "services" and args.project is not None:
        needed.append(("manage", get_project(engine, args.project).id))
    if where == "demo":  # refreshing the demo changes it (its administrators); making it, any
        from bidgeo.demo import DEMO_NAME

        demo = [p.id for p in list_projects(engine) if p.name == DEMO_NAME]
        if demo:
            needed.append((action, demo[0]))
        else:
            where = "any"
    if where in ("any", "account") and not accounts.allowed_anywhere(engine, user.id, action):
        raise ForbiddenError("cli_forbidden_anywhere", username=user.username,
                             action=t(f"permission_{action}", args.lang))
    if where == "account" and not accounts.may_manage_account(engine, user.id, args.username):
        raise ForbiddenError("cli_forbidden_account", username=user.username,
                             target=accounts.normalise_username(args.username))
    for action, project_id in needed:
        if not accounts.allowed(accounts.role_of(engine, user.id, project_id), action):
            raise ForbiddenError("cli_forbidden", username=user.username, action=t(f"permission_{action}", args.lang),
                                 name=get_project(engine, project_id).name)
    return user.username


def _writable(args, out: Path) -> None:
    """Refuse an output file in a folder that does not exist, a folder, or an existing file
    without ``--force`` (exit 2): checked before a command does its work."""
    if out.is_dir() or not out.parent.is_dir():
        detail = t("report_is_folder" if out.is_dir() else "report_no_folder", args.lang)
        raise InputError("report_cannot_write", path=str(out), detail=detail)
    if out.exists() and not out.is_file():  # a device or a socket is not replaced by a file
        raise InputError("report_cannot_write", path=str(out), detail=t("report_not_a_file", args.lang))
    if out.exists() and out.resolve() in _database_files(args):  # not even with --force
        raise InputError("backup_is_database", path=str(out))
    if out.exists() and not args.force:
        raise InputError("cli_file_exists", path=str(out))


def _database_files(args) -> set[Path]:
    """The SQLite database the command uses, with its -wal and -shm (none for PostgreSQL)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from bidgeo import config

    try:
        url = make_url(args.db or config.database_url())
    except ArgumentError:  # said when the database is opened
        return set()
    if url.get_backend_name() != "sqlite" or not url.database or url.database.startswith((":memory:", "file:")):
        return set()
    database = Path(url.database).resolve()
    return {database, *(database.with_name(database.name + suffix) for suffix in ("-wal", "-shm"))}


def _write(args, out: Path, data: bytes | str) -> None:
    """Write a command's output file (:func:`_writable`), whole or not at all (a new ``.part``
    file renamed into place, ``bidgeo.db.fresh_file``); a place that cannot be written is said
    in the project's words."""
    import errno

    from bidgeo.db import fresh_file

    _writable(args, out)
    partial = None
    try:
        partial = fresh_file(out)
        partial.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        partial.replace(out)
    except OSError as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        key = ("report_no_permission" if isinstance(exc, PermissionError)
               else "report_disk_full" if exc.errno == errno.ENOSPC else "report_write_failed")
        raise InputError("report_cannot_write", path=str(out), detail=t(key, args.lang)) from exc


def _area(args):
    from bidgeo.area import read_area
    from bidgeo.area_versions import current_version
    from bidgeo.projects import get_project

    if args.area is None:
        return None
    if args.area.startswith("project:"):
        engine = _store(args)
        project = get_project(engine, args.area.removeprefix("project:"))
        version = current_version(engine, project.id)
        if version is None:
            raise ValidationError("project_has_no_area", name=project.name)
        return version.geometry
    return read_area(args.area)


def _check_exit(check) -> int:
    from bidgeo.area import UNREADABLE_CODES

    if check.valid:
        return 0
    return 2 if check.errors[0].code in UNREADABLE_CODES else 1


def _print_check(check, lang: str) -> None:
    if check.valid:
        print(t("cli_area_measures", lang, ha=f"{check.area_m2 / 1e4:.2f}", m2=round(check.area_m2),
                perimeter=round(check.perimeter_m), vertices=check.vertices))
    print(t("cli_area_valid" if check.valid else "cli_area_invalid", lang))
    for issue in check.errors:
        print(f"  {t('error_prefix', lang)} [{issue.code}]: {issue.message(lang)}")
    for issue in check.warnings:
        print(f"  {t('warning_prefix', lang)} [{issue.code}]: {issue.message(lang)}")


def cmd_area_check(args) -> int:
    from shapely.geometry import mapping

    from bidgeo import area

    check = area.check_file(args.file)
    result = check.to_json(args.lang)
    if args.repair is not None:
        if check.geometry is None:
            raise InputError("cli_nothing_to_repair")
        repaired = area.repair(check.geometry)
        _write(args, args.repair, json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {}, "geometry": mapping(repaired.geometry)}]}))
        result["repaired"] = repaired.to_json(args.lang)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_check(check, args.lang)
    return _check_exit(check)


def cmd_area_set(args) -> int:
    from bidgeo import area
    from bidgeo.area_versions import save_version
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    check = area.check_file(args.file)
    if not check.valid:
        _print_check(check, args.lang)
        return _check_exit(check)
    version = save_version(engine, project.id, check, author=args.author, comment=args.comment)
    print(version.number)
    for issue in check.warnings:
        print(f"bidgeo: {t('warning_prefix', args.lang)} [{issue.code}]: {issue.message(args.lang)}", file=sys.stderr)
    print(t("cli_area_saved", args.lang, number=version.number, name=project.name,
            ha=f"{version.area_m2 / 1e4:.2f}"), file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    from bidgeo.demo import ensure_demo

    project = ensure_demo(_store(args))
    print(project.id)
    print(t("cli_demo_done", args.lang, id=project.id, services=project.service_count), file=sys.stderr)
    return 0


def cmd_projects(args) -> int:
    from bidgeo import accounts
    from bidgeo.projects import list_projects

    engine = _store(args)
    projects = list_projects(engine)
    if args.user_id is not None:  # accounts on: only the projects the user has a role in
        mine = set(accounts.projects_of(engine, args.user_id))
        projects = [p for p in projects if p.id in mine]
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

    if args.out:
        _writable(args, args.out)
    area = _area(args)
    if args.overpass:
        from bidgeo import overpass

        if area is None:
            raise ValidationError("overpass_needs_area")
        points = overpass.services(area, args.buffer)
    elif args.file is None:
        raise InputError("services_needs_file")
    else:
        points = read_osm(args.file).services
        if area is not None:
            points = services.within(points, area)
    if args.project is not None:
        _save_services(args, points)
    text = services.to_geojson(points) if args.format == "geojson" else services.to_csv(points)
    if args.out:
        _write(args, args.out, text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _save_services(args, points) -> None:
    from bidgeo import inventory, overpass
    from bidgeo.projects import get_project, replace_osm

    engine = _store(args)
    project = get_project(engine, args.project)
    if args.overpass:
        inventory.import_services(engine, project.id, "overpass", overpass.url(), points)
    else:
        replace_osm(engine, project.id, args.file)
    print(t("cli_services_saved", args.lang, count=len(points), name=project.name), file=sys.stderr)


def _register_file(path: Path, what: str) -> bytes:
    """A register-like file's bytes (a service or premises register), refused as ``{what}_unreadable``
    when it cannot be opened and ``{what}_too_big`` beyond :data:`bidgeo.registers.MAX_BYTES`."""
    from bidgeo import registers
    from bidgeo.untrusted import UnreadableError

    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= registers.MAX_BYTES else b""
    except OSError as exc:
        raise UnreadableError(f"{what}_unreadable", "reason_cannot_open", name=str(path)) from exc
    if size > registers.MAX_BYTES:
        raise InputError(f"{what}_too_big", size_mb=round(size / 1e6), limit_mb=registers.MAX_BYTES // 1_000_000)
    return data


def cmd_register(args) -> int:
    from bidgeo import inventory, registers
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    data = _register_file(args.file, "register")
    table = registers.read_table(data, args.file.name)
    geometry = registers.GEOMETRY_LON in table.columns
    mapping = registers.RegisterMapping(
        args.name, args.type, args.x or (registers.GEOMETRY_LON if geometry else ""),
        args.y or (registers.GEOMETRY_LAT if geometry else ""), args.crs or "EPSG:4326")
    for column in (mapping.name, mapping.type, mapping.x, mapping.y):
        if column not in table.columns:
            raise InputError("register_no_column", column=column, columns=", ".join(map(str, table.columns)))
    given = dict(item.partition("=")[::2] for item in args.map)
    guesses = {kind: registers.guess_category(kind) for kind in registers.types_of(table, mapping.type)}
    mapping.types = {kind: given.get(kind, guess) for kind, guess in guesses.items() if kind in given or guess}
    imported, problems = registers.to_services(table, mapping, args.lang)
    if problems:
        for problem in problems:
            print(f"bidgeo: {t('col_row', args.lang)} {problem['row']}: {problem['message']}", file=sys.stderr)
        raise ValidationError("register_rows_failed", count=len(problems))
    inventory.import_services(engine, project.id, "register", args.file.name, imported)
    print(len(imported))
    print(t("cli_services_saved", args.lang, count=len(imported), name=project.name), file=sys.stderr)
    return 0


def cmd_coverage(args) -> int:
    from bidgeo import coverage

    bands, keys = coverage.parse_bands(args.bands), coverage.parse_categories(args.categories)
    if args.per_origin:
        _writable(args, args.per_origin)
    area = _area(args)
    net = coverage.network_for(args.file)
    mask = coverage.origins_within(net, area) if area is not None else None
    result = coverage.coverage(net, bands=bands, keys=keys, origins=mask)
    if args.per_origin:
        lonlat = net.origin_lonlat if mask is None else net.origin_lonlat[mask]
        table = result.distances.round(1)
        table.insert(0, "lat", lonlat[:, 1].round(7))
        table.insert(0, "lon", lonlat[:, 0].round(7))
        _write(args, args.per_origin, table.to_csv())
    if args.format == "json":
        print(json.dumps(result.summary(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(result.table(args.lang).to_csv(index=False))
    return 0


def cmd_compare(args) -> int:
    from bidgeo import coverage
    from bidgeo.projects import get_project

    bands, keys = coverage.parse_bands(args.bands), coverage.parse_categories(args.categories)
    engine = _store(args)
    projects = [get_project(engine, ref) for ref in args.projects]
    results = [(p, coverage.project_coverage(engine, p, bands, keys)) for p in projects]
    if args.format == "json":
        print(json.dumps({"localities": [{"project": p.id, "name": p.name, "coverage": r.summary()}
                                         for p, r in results]}, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(coverage.comparison_table(results, args.lang).to_csv(index=False))
    return 0


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        speed = float("nan")
    if not (0 < speed < 1000):
        raise ValidationError("region_bad_speed", speed=text)
    return speed


def cmd_region(args) -> int:
    from bidgeo import coverage, region

    speed, age_speed = _speed(args.speed), _speed(args.age_speed)
    if args.minutes:
        bands = tuple(int(round(m * speed)) for m in coverage.parse_bands(args.minutes))
    else:
        bands = coverage.parse_bands(args.bands) if args.bands else region.DEFAULT_BANDS[args.mode]
    keys = coverage.parse_categories(args.categories)
    if args.format == "gpkg" and args.out is None:
        raise InputError("region_gpkg_needs_out")
    if args.out is not None:
        _writable(args, args.out)
    localities = region.read_localities(_read_input(args.localities), Path(args.localities).name, args.name_field)
    population = None
    if args.population:
        ages = [a.strip() for a in (args.age_fields or "").split(",") if a.strip()]
        population = region.read_population(_read_input(args.population), Path(args.population).name,
                                            args.population_field, ages)
    compiled = region.compile_region(args.file)
    result = region.analyse(compiled, localities, args.mode, bands, keys, population, speed, age_speed, args.lang)
    for key, params in result.warnings:
        print(f"bidgeo: {t('warning_prefix', args.lang)}: {t(key, args.lang, **params)}", file=sys.stderr)
    if args.format == "json":
        data = json.dumps(result.summary(), ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        data = result.table(args.lang).to_csv(index=False)
    else:
        data = result.gpkg()
    if args.out is None:
        sys.stdout.write(data)
    else:
        _write(args, args.out, data)
    return 0


def _read_input(name: str) -> bytes:
    path = Path(name)
    if not path.is_file():
        raise InputError("osm_missing", path=name)
    return path.read_bytes()


def cmd_kit_export(args) -> int:
    from bidgeo import walk_kit
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    kit = walk_kit.export_kit(engine, project.id, args.out, overwrite=args.force)
    if kit.area_version is None:
        print(f"bidgeo: {t('warning_prefix', args.lang)}: {t('kit_no_area', args.lang, name=project.name)}",
              file=sys.stderr)
    print(kit.gpkg)
    print(t("kit_exported", args.lang, gpkg=kit.gpkg, qgs=kit.qgs, services=kit.services), file=sys.stderr)
    return 0


def cmd_kit_import(args) -> int:
    from bidgeo import walk_kit
    from bidgeo.walks import get_walk

    engine = _store(args)
    report = walk_kit.import_kit(engine, args.project, args.file, walk_id=args.walk, lang=args.lang, by=args.author)
    walk = get_walk(engine, report.walk_id)
    if report.walk_created:
        note = t("kit_walk_created", args.lang, id=walk.id, date=walk.walked_on, focus_group=walk.focus_group)
    else:
        note = t("kit_walk_used", args.lang, id=walk.id, date=walk.walked_on)
    print(f"bidgeo: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json(args.lang), ensure_ascii=False, indent=2))
    else:
        print(t("kit_import_summary", args.lang, imported=report.imported, updated=report.updated,
                skipped=report.skipped, errors=len(report.errors)))
    if report.deleted:
        print(f"bidgeo: {t('kit_import_deleted', args.lang, count=report.deleted)}", file=sys.stderr)
    for error in report.errors:
        print(f"bidgeo: {t('col_row', args.lang)} {error.row}: {error.message(args.lang)}", file=sys.stderr)
    return 1 if report.errors else 0


def cmd_export(args) -> int:
    from shapely.geometry import Point

    from bidgeo import report, scope
    from bidgeo.projects import get_project

    if args.format == "handover" and args.public:
        raise InputError("cli_handover_not_public")
    buffer_m = None if args.whole_locality else args.buffer
    scope.scope(None if buffer_m is None else Point(0, 0), buffer_m)  # a bad --buffer before any work
    engine = _store(args)
    project = get_project(engine, args.project)
    out = args.out
    _writable(args, out)  # before the work of making the export
    if args.format == "handover":
        data = report.handover_zip(engine, project.id, args.lang, include_contacts=args.with_contacts,
                                   buffer_m=buffer_m)
    else:
        data = report.export_bytes(engine, project.id, args.format, args.lang, args.public, buffer_m=buffer_m)
    _write(args, out, data)
    print(out)
    print(t("report_written", args.lang, name=project.name, path=out, size=max(1, round(len(data) / 1024))),
          file=sys.stderr)
    return 0


def cmd_report_final(args) -> int:
    from bidgeo import final_report
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    _writable(args, args.out)  # before the work of making the report
    data = final_report.final_data(engine, project.id, args.lang)
    if not data.followed_up:
        print(f"bidgeo: {t('warning_prefix', args.lang)}: {t('final_not_followed_up', args.lang)}", file=sys.stderr)
    pdf = final_report.pdf(data)
    _write(args, args.out, pdf)
    print(args.out)
    print(t("final_written", args.lang, name=project.name, path=args.out, size=max(1, round(len(pdf) / 1024))),
          file=sys.stderr)
    return 0


def _conclusions_given(args) -> bool:
    """Whether ``bidgeo conclusions`` was asked to set texts (else it prints them)."""
    return any(getattr(args, name) is not None
               for name in ("summary", "strengths", "challenges", "opportunities", "file"))


def cmd_conclusions(args) -> int:
    from bidgeo import conclusions
    from bidgeo.focus import FOCUS_AREAS
    from bidgeo.projects import get_project

    parts = {part: getattr(args, part) for part in conclusions.PARTS if getattr(args, part) is not None}
    if parts and args.focus is None:
        raise InputError("cli_conclusions_focus_needed")
    summary, areas = None, {}
    if args.file is not None:
        from bidgeo.untrusted import UnreadableError

        try:
            with args.file.open("rb") as handle:
                data = handle.read(conclusions.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise UnreadableError("conclusions_unreadable", "reason_cannot_open", name=str(args.file)) from exc
        if len(data) > conclusions.MAX_FILE_BYTES:
            raise InputError("conclusions_file_too_big", limit_kb=conclusions.MAX_FILE_BYTES // 1000)
        summary, areas = conclusions.read_file(data)
    if args.summary is not None:
        summary = args.summary
    if parts:
        areas = {**areas, args.focus: {**areas.get(args.focus, {}), **parts}}
    engine = _store(args)
    project = get_project(engine, args.project)
    if _conclusions_given(args):
        found = conclusions.save_conclusions(engine, project.id, summary=summary, areas=areas, by=args.author)
        print(t("conclusions_saved", args.lang, name=project.name), file=sys.stderr)
    else:
        found = conclusions.conclusions(engine, project.id)
    if args.json:
        print(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"{t('conclusions_summary', args.lang)}: {found.summary or '–'}")
    for key in FOCUS_AREAS:
        for part in conclusions.PARTS:
            print(f"{t('focus_' + key, args.lang)}, {t('conclusions_' + part, args.lang).lower()}: "
                  f"{found.areas[key][part] or '–'}")
    return 0


def cmd_backup(args) -> int:
    from bidgeo import backup

    info = backup.backup(_store(args), args.out, overwrite=args.force, fmt=args.format)
    print(info.path)
    print(t("backup_written", args.lang, path=info.path, size=f"{info.size / 1e6:.1f}", projects=info.count("projects"),
            observations=info.count("observations"), photos=info.count("photos"), rows=info.total), file=sys.stderr)
    return 0


def cmd_restore(args) -> int:
    from bidgeo import backup

    info = backup.restore(_store(args), args.file, force=args.force)
    print(t("restore_done", args.lang, path=info.path, projects=info.count("projects"),
            observations=info.count("observations"), photos=info.count("photos"), rows=info.total), file=sys.stderr)
    return 0


def _read_password(lang: str) -> str:
    """One line from stdin (never from the command line, where others could see it); at a
    terminal it is asked for without echo."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass(t("cli_password_prompt", lang))
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def cmd_user_add(args) -> int:
    from bidgeo import accounts

    engine = _store(args)
    user = accounts.create_user(engine, args.username, _read_password(args.lang), args.name, args.email)
    print(user.username)
    print(t("cli_user_added", args.lang, username=user.username), file=sys.stderr)
    return 0


def cmd_user_password(args) -> int:
    from bidgeo import accounts

    accounts.set_password(_store(args), args.username, _read_password(args.lang))
    print(t("cli_user_password_set", args.lang, username=accounts.normalise_username(args.username)),
          file=sys.stderr)
    return 0


def cmd_user_disable(args) -> int:
    from bidgeo import accounts

    engine = _store(args)
    if accounts.is_last_admin(engine, args.username):
        raise ValidationError("account_last_admin")
    accounts.set_disabled(engine, args.username, True)
    print(t("cli_user_disabled", args.lang, username=accounts.normalise_username(args.username)), file=sys.stderr)
    return 0


def cmd_user_enable(args) -> int:
    from bidgeo import accounts

    accounts.set_disabled(_store(args), args.username, False)
    print(t("cli_user_enabled", args.lang, username=accounts.normalise_username(args.username)), file=sys.stderr)
    return 0


def cmd_user_grant(args) -> int:
    from bidgeo import accounts
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    demoted = args.role in accounts.ROLES and args.role != "admin"
    if demoted and accounts.is_last_admin(engine, args.username, project.id):
        raise ValidationError("account_last_admin")
    accounts.grant(engine, args.username, args.project, args.role)
    print(t("cli_user_granted", args.lang, username=accounts.normalise_username(args.username),
            role=t(f"role_{args.role}", args.lang), name=project.name), file=sys.stderr)
    return 0


def cmd_user_revoke(args) -> int:
    from bidgeo import accounts
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    if accounts.is_last_admin(engine, args.username, project.id):
        raise ValidationError("account_last_admin")
    removed = accounts.revoke(engine, args.username, args.project)
    print(t("cli_user_revoked" if removed else "cli_user_had_no_role", args.lang,
            username=accounts.normalise_username(args.username), name=project.name), file=sys.stderr)
    return 0


def cmd_user_list(args) -> int:
    from bidgeo import accounts

    engine = _store(args)
    users = accounts.list_users(engine, for_user=args.user_id)
    if args.json:
        print(json.dumps([
            {"username": u.username, "display_name": u.display_name, "email": u.email, "disabled": u.disabled,
             "created": u.created_at.isoformat(),
             "roles": [{"project": project_id, "role": role} for project_id, role in roles.items()]}
            for u, roles in users
        ], ensure_ascii=False, indent=2))
    else:
        for u, roles in users:
            print("\t".join([u.username, u.display_name, ",".join(f"{p}:{r}" for p, r in roles.items()),
                             "disabled" if u.disabled else ""]).rstrip("\t"))
    return 0


def cmd_audit(args) -> int:
    from bidgeo import audit
    from bidgeo.i18n import local_time
    from bidgeo.projects import get_project

    if not 1 <= args.limit <= audit.MAX_LIMIT:
        raise ValidationError("audit_bad_limit", value=args.limit, max=audit.MAX_LIMIT)
    engine = _store(args)
    project_id = None if args.project is None else get_project(engine, args.project).id
    log = audit.entries(engine, project_id, limit=args.limit)
    if args.json:
        print(json.dumps([{**row, "at": row["at"].isoformat()} for row in log.to_dict("records")],
                         ensure_ascii=False, indent=2))
    else:
        for row in log.itertuples():
            print("\t".join([local_time(row.at), row.actor or "-", row.action, row.entity, row.ref,
                             audit.summary(row.changes)]))
    return 0


# --- the business plan (issue 16) ------------------------------------------------------------------
def cmd_plan_template(args) -> int:
    from bidgeo import plan

    _write(args, args.out, plan.template_workbook())
    print(args.out)
    print(t("plan_template_written", args.lang, path=args.out), file=sys.stderr)
    return 0


def cmd_plan_import(args) -> int:
    from bidgeo import plan
    from bidgeo.projects import get_project
    from bidgeo.untrusted import UnreadableError

    engine = _store(args)
    project = get_project(engine, args.project)
    try:
        size = args.file.stat().st_size
        if size > plan.MAX_WORKBOOK_BYTES:
            raise InputError("plan_workbook_too_big", size_mb=round(size / 1e6),
                             limit_mb=plan.MAX_WORKBOOK_BYTES // 1_000_000)
        data = args.file.read_bytes()
    except OSError as exc:
        raise UnreadableError("plan_workbook_unreadable", "reason_cannot_open", name=str(args.file)) from exc
    checked = plan.import_workbook(engine, project.id, data, args.file.name, add_parties=args.add_parties)
    if args.json:
        print(json.dumps({"budget": len(checked.budget), "financing": len(checked.financing),
                          "added_parties": [] if checked.problems else checked.new_parties,
                          "saved": not checked.problems,
                          "errors": [p.to_json(args.lang) for p in checked.problems]}, ensure_ascii=False, indent=2))
    for problem in checked.problems:
        print(f"bidgeo: {problem.message(args.lang)}", file=sys.stderr)
    if checked.problems:
        raise ValidationError("plan_rows_failed", count=len({(p.sheet, p.row) for p in checked.problems}))
    if not args.json:
        print(t("plan_imported", args.lang, budget=len(checked.budget), financing=len(checked.financing),
                name=project.name))
    for party in checked.new_parties:
        print(f"bidgeo: {t('plan_party_added', args.lang, party=party)}", file=sys.stderr)
    return 0


def cmd_plan_show(args) -> int:
    from bidgeo import plan
    from bidgeo.i18n import number, percent
    from bidgeo.projects import get_project

    engine = _store(args)
    project_id = get_project(engine, args.project).id
    figures = plan.figures(engine, project_id)
    if args.json:
        print(json.dumps({**figures, **_plan_contents(engine, project_id)}, ensure_ascii=False, indent=2))
        return 0
    lang = args.lang
    print("\t".join(t(k, lang) for k in ("plan_col_year", "plan_col_cost", "plan_col_financing",
                                          "plan_col_in_kind", "plan_col_balance")))
    for year, row in [*figures["years"].items(), (t("report_total", lang), figures["total"])]:
        print("\t".join([year, *(number(row[k], lang) for k in ("cost_sek", "financing_sek", "in_kind_sek",
                                                                 "balance_sek"))]))
    for year in figures["unfunded_years"]:
        gap = number(-figures["years"][str(year)]["balance_sek"], lang)
        print(f"bidgeo: {t('warning_prefix', lang)}: {t('plan_unfunded', lang, year=year, gap=gap)}", file=sys.stderr)
    s = figures["support"]
    print(t("plan_support_line", lang, signed=s["signed"], members=s["members"],
            by_number=percent(s["share_by_number"], lang), by_value=percent(s["share_by_value"], lang)))
    return 0


def _plan_contents(engine, project_id: int) -> dict:
    """What ``plan show --json`` holds beside the figures: the text, the current version and
    the milestones and cases (no one's name: the comments are on the page)."""
    from bidgeo import plan

    info, version = plan.get_plan(engine, project_id), plan.current_version(engine, project_id)
    stones = plan.milestones(engine, project_id)
    return {"vision": info.vision, "target_picture": info.target_picture, "goals": info.goals,
            "version": None if version is None else {"number": version.number, "status": version.status},
            "milestones": [{"id": int(r.id), "title": r.title, "focus_area": r.focus_area,
                            "due_on": r.due_on.isoformat() if r.due_on else None, "how": r.how,
                            "lon": None if r.lon != r.lon else r.lon, "lat": None if r.lat != r.lat else r.lat,
                            "action_ids": list(r.action_ids)} for r in stones.itertuples()],
            "cases": [{"id": c.id, "title": c.title, "done_on": c.done_on.isoformat() if c.done_on else None,
                       "cost_sek": c.cost_sek, "result": c.result} for c in plan.cases(engine, project_id)]}


def _day(text: str | None, option: str):
    """``--option YYYY-MM-DD`` as a date (None when not given)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("cli_bad_date", option=option, value=text) from None


def cmd_plan_text(args) -> int:
    from bidgeo import plan
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    info = plan.get_plan(engine, project.id)
    goals = dict(info.goals)
    for given in args.goal:
        key, sep, text = given.partition("=")
        if not sep:
            raise InputError("cli_bad_goal", value=given)
        goals[key.strip()] = text
    plan.save_text(engine, project.id, info.vision if args.vision is None else args.vision,
                   info.target_picture if args.target is None else args.target, goals)
    print(t("bp_saved", args.lang))
    return 0


def _ids(text: str | None, option: str) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError("cli_bad_ids", option=option, value=text) from None


def _one(rows, ident: int | None, missing: str):
    """The row ``ident`` of ``rows`` (None when none is asked for); raises NotFoundError ``missing``."""
    from bidgeo.errors import NotFoundError

    if ident is None:
        return None
    found = next((r for r in rows if r.id == ident), None)
    if found is None:
        raise NotFoundError(missing, ref=str(ident))
    return found


def _changed(old, **given) -> dict:
    """The values given, and for each not given (None) the one ``old`` has: a change keeps it."""
    return {k: getattr(old, k) if v is None and old is not None else v for k, v in given.items()}


def cmd_plan_milestone(args) -> int:
    from bidgeo import plan
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    old = _one(plan.milestones(engine, project.id).itertuples(), args.id, "plan_milestone_not_found")
    lon = lat = None
    if args.at is not None:
        try:
            lon, lat = (float(v) for v in args.at.split(","))
        except ValueError:
            raise InputError("cli_bad_at", value=args.at) from None
    elif old is not None and not args.whole_area and old.lon == old.lon:
        lon, lat = old.lon, old.lat

    values = _changed(old, title=args.title, due_on=_day(args.due, "--due"), focus_area=args.focus, how=args.how,
                      action_ids=_ids(args.actions, "--actions"))
    number = plan.save_milestone(engine, project.id, values["title"] or "", milestone_id=args.id,
                                 due_on=values["due_on"], focus_area=values["focus_area"], how=values["how"] or "",
                                 lon=lon, lat=lat, action_ids=values["action_ids"] or [])
    print(number)
    print(t("cli_plan_milestone_saved", args.lang, id=number), file=sys.stderr)
    return 0


def cmd_plan_case(args) -> int:
    from bidgeo import plan
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    old = _one(plan.cases(engine, project.id), args.id, "plan_case_not_found")
    values = _changed(old, title=args.title, done_on=_day(args.done, "--done"), cost_sek=args.cost, result=args.result)
    number = plan.save_case(engine, project.id, values["title"] or "", case_id=args.id, done_on=values["done_on"],
                            cost_sek=values["cost_sek"], result=values["result"] or "")
    print(number)
    print(t("cli_plan_case_saved", args.lang, id=number), file=sys.stderr)
    return 0


def cmd_plan_version(args) -> int:
    from bidgeo import plan
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    version = plan.advance(engine, project.id, args.by) if args.advance else plan.new_version(engine, project.id)
    print(t("bp_version_now", args.lang, number=version.number, status=t(f"plan_status_{version.status}", args.lang)))
    return 0


def cmd_plan_comment(args) -> int:
    from bidgeo import plan
    from bidgeo.projects import get_project

    engine = _store(args)
    plan.add_comment(engine, get_project(engine, args.project).id, args.author, args.text)
    print(t("cli_plan_comment_saved", args.lang))
    return 0


def _document(args, make) -> int:
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    _writable(args, args.out)  # before the work of making it
    data = make(engine, project.id)
    _write(args, args.out, data)
    print(args.out)
    print(t("report_written", args.lang, name=project.name, path=args.out, size=max(1, round(len(data) / 1024))),
          file=sys.stderr)
    return 0


def cmd_plan_export(args) -> int:
    from bidgeo import plan, plan_report

    makers = {"pdf": lambda e, p: plan_report.plan_pdf(e, p, args.lang),
              "docx": lambda e, p: plan_report.plan_docx(e, p, args.lang),
              "xlsx": lambda e, p: plan.export_workbook(e, p)}
    return _document(args, makers[args.format])


def cmd_agreement(args) -> int:
    from bidgeo import plan_report

    makers = {"pdf": lambda e, p: plan_report.agreement_pdf(e, p, args.lang),
              "docx": lambda e, p: plan_report.agreement_docx(e, p, args.lang)}
    return _document(args, makers[args.format])


def cmd_premises_import(args) -> int:
    from bidgeo import premises
    from bidgeo.area_versions import current_version
    from bidgeo.projects import get_project

    engine = _store(args)
    project = get_project(engine, args.project)
    data = _register_file(args.file, "premises")
    area = current_version(engine, project.id)
    check, result = premises.import_file(engine, project.id, data, args.file.name, args.lang,
                                         area.geometry if area else None, author=args.actor)
    for kind, problems in ((t("error_prefix", args.lang), check.errors), (t("warning_prefix", args.lang),
                                                                          check.warnings)):
        for problem in problems:
            print(f"bidgeo: {kind}: {t('col_row', args.lang)} {problem['row']}, {problem['column']}: "
                  f"{problem['message']}", file=sys.stderr)
    figures = vars(result) if result else {k: 0 for k in vars(premises.ImportResult())}
    if args.json:
        print(json.dumps({**figures, "errors": check.errors, "warnings": check.warnings}, ensure_ascii=False,
                         indent=2))
    if result is None:
        raise ValidationError("premises_rows_failed", count=len({e["row"] for e in check.errors}))
    if not args.json:
        print(t("premises_import_summary", args.lang, **figures))
    print(t("premises_imported", args.lang, count=len(check.rows), name=project.name), file=sys.stderr)
    return 0


def cmd_premises_list(args) -> int:

    from bidgeo import premises
    from bidgeo.i18n import percent
    from bidgeo.projects import get_project

    at = None
    if args.at is not None:
        try:
            at = date.fromisoformat(args.at)
        except ValueError:
            raise InputError("premises_bad_at", value=args.at) from None
    engine = _store(args)
    project = get_project(engine, args.project)
    figures = premises.vacancy(engine, project.id, at)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    for row in premises.register(engine, project.id, at).itertuples():
        print("\t".join([row.key, row.address, row.status, row.observed.isoformat(),
                         "" if row.floor_area_m2 != row.floor_area_m2 else f"{row.floor_area_m2:g}"]))
    print(t("premises_list_summary", args.lang, premises=figures["premises"], vacant=figures["vacant"],
            rate=percent(figures["vacancy_rate"], args.lang, 1), at=figures["at"]), file=sys.stderr)
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "projects": cmd_projects,
    "services": cmd_services,
    "coverage": cmd_coverage,
    "compare": cmd_compare,
    "region": cmd_region,
    "register": cmd_register,
    ("area", "check"): cmd_area_check,
    ("area", "set"): cmd_area_set,
    ("walk-kit", "export"): cmd_kit_export,
    ("walk-kit", "import"): cmd_kit_import,
    ("user", "add"): cmd_user_add,
    ("user", "password"): cmd_user_password,
    ("user", "disable"): cmd_user_disable,
    ("user", "enable"): cmd_user_enable,
    ("user", "grant"): cmd_user_grant,
    ("user", "revoke"): cmd_user_revoke,
    ("user", "list"): cmd_user_list,
    "export": cmd_export,
    ("report", "final"): cmd_report_final,
    "audit": cmd_audit,
    "backup": cmd_backup,
    "restore": cmd_restore,
    ("plan", "template"): cmd_plan_template,
    ("plan", "import"): cmd_plan_import,
    ("plan", "show"): cmd_plan_show,
    ("plan", "export"): cmd_plan_export,
    ("plan", "text"): cmd_plan_text,
    ("plan", "milestone"): cmd_plan_milestone,
    ("plan", "case"): cmd_plan_case,
    ("plan", "version"): cmd_plan_version,
    ("plan", "comment"): cmd_plan_comment,
    "agreement": cmd_agreement,
    "conclusions": cmd_conclusions,
    ("premises", "import"): cmd_premises_import,
    ("premises", "list"): cmd_premises_list,
}

SUBCOMMANDS = {"area": "area_command", "walk-kit": "kit_command", "user": "user_command", "report": "report_command",
               "plan": "plan_command", "premises": "premises_command"}


def _asked_language(argv: list[str]) -> str:
    """The ``--lang`` of a command line argparse could not read."""
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else \
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None
        if value in LANGUAGES:
            return value
    return DEFAULT_LANGUAGE


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
    except ArgumentMistake as mistake:
        print(f"bidgeo: {argument_message(mistake, _asked_language(argv))}", file=sys.stderr)
        return 2

    command = (args.command, getattr(args, SUBCOMMANDS[args.command])) if args.command in SUBCOMMANDS \
        else args.command
    try:
        args.actor = _authorise(args, command)
        code = COMMANDS[command](args)
        sys.stdout.flush()  # here, so that a reader gone away is seen below
        return code
    except BrokenPipeError:  # the reader of the output stopped early (``bidgeo ... | head``): said by the code only
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 141  # as a program ended by SIGPIPE
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
