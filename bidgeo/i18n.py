"""The one catalogue of user-facing strings: UI text and error messages, Swedish and English.

``t(key, lang, **params)`` looks a string up and fills in ``{params}``. Swedish is the
default. A test checks that every entry has both languages.
"""

from __future__ import annotations

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"

CATALOGUE: dict[str, dict[str, str]] = {
    # --- application frame -------------------------------------------------------------
    "app_title": {"sv": "bidgeo – Levande orter", "en": "bidgeo – Living localities"},
    "language": {"sv": "Språk", "en": "Language"},
    "project": {"sv": "Projekt", "en": "Project"},
    "no_projects": {
        "sv": "Det finns inga projekt ännu. Skapa ett nedan.",
        "en": "There are no projects yet. Create one below.",
    },
    "page_start": {"sv": "Start", "en": "Start"},
    # --- start page --------------------------------------------------------------------
    "start_heading": {"sv": "Projekt och översikt", "en": "Projects and overview"},
    "start_intro": {
        "sv": "Välj ett projekt i sidopanelen eller skapa ett nytt. Kartan visar ortens "
        "service per kategori.",
        "en": "Choose a project in the sidebar or create a new one. The map shows the "
        "locality's services by category.",
    },
    "create_heading": {"sv": "Skapa ett nytt projekt", "en": "Create a new project"},
    "field_name": {"sv": "Projektets namn", "en": "Project name"},
    "field_locality": {"sv": "Ort", "en": "Locality"},
    "field_municipality": {"sv": "Kommun", "en": "Municipality"},
    "field_bid_type": {"sv": "Typ av BID", "en": "BID type"},
    "field_osm_file": {
        "sv": "OSM-utdrag för orten (.osm eller .osm.pbf, valfritt)",
        "en": "OSM extract of the locality (.osm or .osm.pbf, optional)",
    },
    "create_button": {"sv": "Skapa projekt", "en": "Create project"},
    "created": {"sv": "Projektet ”{name}” är skapat.", "en": "Project “{name}” was created."},
    "overview_heading": {"sv": "Översiktskarta: {name}", "en": "Overview map: {name}"},
    "project_facts": {
        "sv": "Ort: {locality} · Kommun: {municipality} · Typ: {bid_type} · Skapat: {created}",
        "en": "Locality: {locality} · Municipality: {municipality} · Type: {bid_type} · "
        "Created: {created}",
    },
    "no_osm_data": {
        "sv": "Projektet har inga OSM-data ännu. Skapa projektet med ett OSM-utdrag för att "
        "se ortens service på kartan.",
        "en": "The project has no OSM data yet. Create the project with an OSM extract to "
        "see the locality's services on the map.",
    },
    "inventory_heading": {"sv": "Service per kategori", "en": "Services by category"},
    "col_category": {"sv": "Kategori", "en": "Category"},
    "col_count": {"sv": "Antal", "en": "Count"},
    "col_names": {"sv": "Namn", "en": "Names"},
    "unnamed": {"sv": "(namn saknas)", "en": "(no name)"},
    "map_legend": {"sv": "Teckenförklaring", "en": "Legend"},
    "layer_background": {"sv": "Vägar och byggnader (OSM)", "en": "Roads and buildings (OSM)"},
    "layer_tiles": {"sv": "Bakgrundskarta", "en": "Base map"},
    "demo_notice": {
        "sv": "Demoprojektet visar Karhula i Kotka (Finland) med riktiga OSM-data.",
        "en": "The demo project shows Karhula in Kotka (Finland) with real OSM data.",
    },
    # --- BID types ---------------------------------------------------------------------
    "bid_type_service": {"sv": "Service-BID (landsbygd)", "en": "Service BID (rural)"},
    "bid_type_centre": {"sv": "Centrum-BID", "en": "Town-centre BID"},
    "bid_type_residential": {"sv": "Bostads-BID (fastighetsägare)", "en": "Residential BID (property owners)"},
    "bid_type_business_park": {"sv": "Verksamhetsområde-BID", "en": "Business-park BID"},
    # --- errors ------------------------------------------------------------------------
    "error_prefix": {"sv": "Fel", "en": "Error"},
    "name_required": {
        "sv": "Ange ett namn för projektet.",
        "en": "Enter a name for the project.",
    },
    "name_taken": {
        "sv": "Det finns redan ett projekt som heter ”{name}”. Välj ett annat namn.",
        "en": "A project named “{name}” already exists. Choose another name.",
    },
    "bad_bid_type": {
        "sv": "Okänd BID-typ ”{bid_type}”. Välj en av: {choices}.",
        "en": "Unknown BID type “{bid_type}”. Choose one of: {choices}.",
    },
    "project_not_found": {
        "sv": "Hittar inget projekt ”{ref}”. Ange projektets id eller exakta namn "
        "(se ”bidgeo projects”).",
        "en": "No project “{ref}”. Give the project's id or exact name "
        "(see “bidgeo projects”).",
    },
    "osm_missing": {
        "sv": "Filen {path} finns inte. Kontrollera sökvägen.",
        "en": "The file {path} does not exist. Check the path.",
    },
    "osm_unsupported": {
        "sv": "”{path}” är inte en OSM-fil. Använd en .osm- eller .osm.pbf-fil.",
        "en": "“{path}” is not an OSM file. Use an .osm or .osm.pbf file.",
    },
    "osm_unreadable": {
        "sv": "OSM-filen ”{path}” kunde inte läsas ({detail}). Ladda ned utdraget på nytt.",
        "en": "The OSM file “{path}” could not be read ({detail}). Download the extract again.",
    },
    "osm_too_big": {
        "sv": "OSM-filen är {size_mb} MB, mer än gränsen {limit_mb} MB. Använd ett mindre "
        "utdrag runt orten.",
        "en": "The OSM file is {size_mb} MB, over the {limit_mb} MB limit. Use a smaller "
        "extract around the locality.",
    },
    "area_missing": {
        "sv": "Områdesfilen {path} finns inte. Kontrollera sökvägen.",
        "en": "The area file {path} does not exist. Check the path.",
    },
    "area_unreadable": {
        "sv": "Områdesfilen ”{path}” kunde inte läsas som GeoJSON, KML, GeoPackage eller "
        "zippad Shapefile ({detail}).",
        "en": "The area file “{path}” could not be read as GeoJSON, KML, GeoPackage or "
        "zipped Shapefile ({detail}).",
    },
    "area_not_polygon": {
        "sv": "Områdesfilen ”{path}” innehåller inga polygoner. Rita området som en yta, "
        "inte som punkter eller linjer.",
        "en": "The area file “{path}” holds no polygons. Draw the area as a polygon, not as "
        "points or lines.",
    },
    "project_has_no_area": {
        "sv": "Projektet ”{name}” har inget avgränsat område ännu. Ange en områdesfil i stället.",
        "en": "The project “{name}” has no area yet. Give an area file instead.",
    },
    "database_unavailable": {
        "sv": "Databasen {url} kan inte nås ({detail}). Kontrollera BIDGEO_DATABASE_URL.",
        "en": "The database {url} cannot be reached ({detail}). Check BIDGEO_DATABASE_URL.",
    },
    "demo_data_missing": {
        "sv": "Demodata saknas ({path}). Hämta om projektets filer (data/demo/).",
        "en": "The demo data is missing ({path}). Check out the project's files again "
        "(data/demo/).",
    },
    # --- command line ------------------------------------------------------------------
    "cli_description": {
        "sv": "bidgeo: geodata för Levande orter / Service-BID.",
        "en": "bidgeo: geodata for Living localities / Service BID.",
    },
    "cli_demo_done": {
        "sv": "Demoprojektet är klart: id {id} ({services} servicepunkter).",
        "en": "The demo project is ready: id {id} ({services} service points).",
    },
    "cli_internal_error": {
        "sv": "Ett internt fel inträffade ({detail}). Kör igen med --debug och rapportera felet.",
        "en": "An internal error occurred ({detail}). Run again with --debug and report it.",
    },
    "cli_interrupted": {"sv": "Avbrutet.", "en": "Interrupted."},
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The catalogue string ``key`` in ``lang`` (sv or en), with ``params`` filled in."""
    entry = CATALOGUE[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text
