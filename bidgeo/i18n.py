"""The one catalogue of user-facing strings: UI text and error messages, Swedish and English.

``t(key, lang, **params)`` looks a string up and fills in ``{params}``. Swedish is the
default. A test checks that every entry has both languages.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
TIMEZONE = ZoneInfo("Europe/Stockholm")

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
    # --- a real town (issue 19): creating a project from a big extract
    "create_stage_reading": {"sv": "Läser OSM-filen …", "en": "Reading the OSM file …"},
    "create_stage_buildings": {"sv": "Byggnader …", "en": "Buildings …"},
    "create_stage_services": {"sv": "Service …", "en": "Services …"},
    "create_stage_network": {"sv": "Gångnätet …", "en": "The walking network …"},
    "create_stage_saving": {"sv": "Sparar projektet …", "en": "Saving the project …"},
    "osm_file_limit": {"sv": "Högst {limit_mb} MB (en kommun eller ett mindre utdrag, .osm eller .osm.pbf).",
                       "en": "At most {limit_mb} MB (a municipality or a smaller extract, .osm or .osm.pbf)."},
    # --- candidate stakeholders' kinds (issue 19): an OSM key, or key_value, in words
    "sh_kind_office": {"sv": "Kontor", "en": "Office"},
    "sh_kind_craft": {"sv": "Hantverk", "en": "Craft"},
    "sh_kind_amenity": {"sv": "Verksamhet", "en": "Amenity"},
    "sh_kind_tourism": {"sv": "Turism och besök", "en": "Tourism"},
    "sh_kind_shop": {"sv": "Butik", "en": "Shop"},
    "sh_kind_amenity_biergarten": {"sv": "Uteservering", "en": "Beer garden"},
    "sh_kind_amenity_ice_cream": {"sv": "Glassbar", "en": "Ice cream"},
    "sh_kind_amenity_food_court": {"sv": "Matsal", "en": "Food court"},
    "sh_kind_amenity_nightclub": {"sv": "Nattklubb", "en": "Nightclub"},
    "sh_kind_amenity_bureau_de_change": {"sv": "Växlingskontor", "en": "Bureau de change"},
    "sh_kind_amenity_money_transfer": {"sv": "Pengaöverföring", "en": "Money transfer"},
    "sh_kind_amenity_veterinary": {"sv": "Veterinär", "en": "Veterinary"},
    "sh_kind_amenity_childcare": {"sv": "Barnomsorg", "en": "Childcare"},
    "sh_kind_amenity_college": {"sv": "Folkhögskola eller yrkesskola", "en": "College"},
    "sh_kind_amenity_university": {"sv": "Universitet eller högskola", "en": "University"},
    "sh_kind_amenity_language_school": {"sv": "Språkskola", "en": "Language school"},
    "sh_kind_amenity_music_school": {"sv": "Musikskola", "en": "Music school"},
    "sh_kind_amenity_driving_school": {"sv": "Trafikskola", "en": "Driving school"},
    "sh_kind_amenity_events_venue": {"sv": "Festlokal", "en": "Events venue"},
    "sh_kind_amenity_conference_centre": {"sv": "Konferensanläggning", "en": "Conference centre"},
    "sh_kind_amenity_social_centre": {"sv": "Föreningslokal", "en": "Social centre"},
    "sh_kind_amenity_social_facility": {"sv": "Social verksamhet", "en": "Social facility"},
    "sh_kind_amenity_place_of_worship": {"sv": "Kyrka eller samfund", "en": "Place of worship"},
    "sh_kind_amenity_townhall": {"sv": "Kommunhus", "en": "Town hall"},
    "sh_kind_amenity_police": {"sv": "Polis", "en": "Police"},
    "sh_kind_amenity_fire_station": {"sv": "Räddningstjänst", "en": "Fire station"},
    "sh_kind_amenity_courthouse": {"sv": "Tingsrätt", "en": "Courthouse"},
    "sh_kind_amenity_marketplace": {"sv": "Torghandel", "en": "Marketplace"},
    "sh_kind_amenity_car_wash": {"sv": "Biltvätt", "en": "Car wash"},
    "sh_kind_amenity_car_rental": {"sv": "Biluthyrning", "en": "Car rental"},
    "sh_kind_amenity_car_sharing": {"sv": "Bilpool", "en": "Car sharing"},
    "sh_kind_amenity_bicycle_rental": {"sv": "Cykeluthyrning", "en": "Bicycle rental"},
    "sh_kind_amenity_internet_cafe": {"sv": "Internetkafé", "en": "Internet café"},
    "sh_kind_amenity_coworking_space": {"sv": "Kontorshotell", "en": "Coworking space"},
    "sh_kind_amenity_studio": {"sv": "Studio", "en": "Studio"},
    "sh_kind_amenity_casino": {"sv": "Kasino", "en": "Casino"},
    "sh_kind_tourism_caravan_site": {"sv": "Ställplats", "en": "Caravan site"},
    "sh_kind_tourism_chalet": {"sv": "Stuguthyrning", "en": "Chalet"},
    "sh_kind_tourism_apartment": {"sv": "Lägenhetshotell", "en": "Holiday apartment"},
    "sh_kind_tourism_museum": {"sv": "Museum", "en": "Museum"},
    "sh_kind_tourism_gallery": {"sv": "Galleri", "en": "Gallery"},
    "sh_kind_tourism_zoo": {"sv": "Djurpark", "en": "Zoo"},
    "sh_kind_tourism_aquarium": {"sv": "Akvarium", "en": "Aquarium"},
    "sh_kind_tourism_theme_park": {"sv": "Nöjespark", "en": "Theme park"},
    "sh_kind_office_company": {"sv": "Företag", "en": "Company"},
    "sh_kind_office_estate_agent": {"sv": "Fastighetsmäklare", "en": "Estate agent"},
    "sh_kind_office_insurance": {"sv": "Försäkringsbolag", "en": "Insurance"},
    "sh_kind_office_lawyer": {"sv": "Advokatbyrå", "en": "Lawyer"},
    "sh_kind_office_accountant": {"sv": "Redovisningsbyrå", "en": "Accountant"},
    "sh_kind_office_government": {"sv": "Myndighet", "en": "Government office"},
    "sh_kind_office_association": {"sv": "Förening", "en": "Association"},
    "sh_kind_office_ngo": {"sv": "Ideell organisation", "en": "NGO"},
    "sh_kind_office_it": {"sv": "IT-företag", "en": "IT company"},
    "sh_kind_office_architect": {"sv": "Arkitektkontor", "en": "Architect"},
    "sh_kind_office_employment_agency": {"sv": "Bemanningsföretag", "en": "Employment agency"},
    "sh_kind_office_financial": {"sv": "Finansbolag", "en": "Financial services"},
    "sh_kind_office_religion": {"sv": "Församlingsexpedition", "en": "Religious office"},
    "sh_kind_office_newspaper": {"sv": "Tidning", "en": "Newspaper"},
    "sh_kind_office_travel_agent": {"sv": "Resebyrå", "en": "Travel agent"},
    "sh_kind_craft_carpenter": {"sv": "Snickare", "en": "Carpenter"},
    "sh_kind_craft_electrician": {"sv": "Elektriker", "en": "Electrician"},
    "sh_kind_craft_plumber": {"sv": "Rörmokare", "en": "Plumber"},
    "sh_kind_craft_painter": {"sv": "Målare", "en": "Painter"},
    "sh_kind_craft_photographer": {"sv": "Fotograf", "en": "Photographer"},
    "sh_kind_craft_tailor": {"sv": "Skräddare", "en": "Tailor"},
    "sh_kind_craft_shoemaker": {"sv": "Skomakare", "en": "Shoemaker"},
    "sh_kind_craft_brewery": {"sv": "Bryggeri", "en": "Brewery"},
    "sh_kind_craft_bakery": {"sv": "Bageri", "en": "Bakery"},
    "sh_kind_craft_blacksmith": {"sv": "Smed", "en": "Blacksmith"},
    "sh_kind_craft_hvac": {"sv": "Ventilation och värme", "en": "HVAC"},
    "sh_kind_craft_roofer": {"sv": "Takläggare", "en": "Roofer"},
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
    # --- area page, stakeholders page, map drawing tools --------------------------------
    "yes": {"sv": "Ja", "en": "Yes"},
    "no": {"sv": "Nej", "en": "No"},
    "none": {"sv": "–", "en": "–"},
    "page_area": {"sv": "Steg 1: Området", "en": "Step 1: The area"},
    "area_title": {"sv": "BID-området", "en": "The BID area"},
    "area_intro": {"sv": "Rita, redigera eller ladda upp gränsen för BID-området. Varje sparad gräns blir en ny version: inget skrivs över.", "en": "Draw, edit or upload the boundary of the BID area. Every saved boundary becomes a new version: nothing is overwritten."},
    "area_mode": {"sv": "Arbetssätt", "en": "How"},
    "mode_draw": {"sv": "Rita nytt område", "en": "Draw a new area"},
    "mode_edit": {"sv": "Redigera nuvarande", "en": "Edit the current one"},
    "mode_upload": {"sv": "Ladda upp fil", "en": "Upload a file"},
    "area_upload": {"sv": "Gränsfil (GeoJSON, KML, KMZ, GeoPackage eller zippad Shapefile)", "en": "Boundary file (GeoJSON, KML, KMZ, GeoPackage or zipped Shapefile)"},
    "area_draw_help": {"sv": "Välj polygonverktyget (femhörningen) till vänster på kartan, tryck ut hörnen och avsluta på den första punkten.", "en": "Choose the polygon tool (the pentagon) at the left of the map, tap the corners and finish on the first point."},
    "area_edit_help": {"sv": "Välj pennan till vänster på kartan, dra i hörnen och tryck ”Spara” i verktygsraden.", "en": "Choose the pen at the left of the map, drag the corners and press “Save” in the toolbar."},
    "no_area_yet": {"sv": "Projektet har inget område ännu. Rita det på kartan eller ladda upp en fil.", "en": "The project has no area yet. Draw it on the map or upload a file."},
    "check_heading": {"sv": "Kontroll av gränsen", "en": "Boundary check"},
    "metric_area_ha": {"sv": "Yta (ha)", "en": "Area (ha)"},
    "metric_area_m2": {"sv": "Yta (m²)", "en": "Area (m²)"},
    "metric_perimeter": {"sv": "Omkrets (m)", "en": "Perimeter (m)"},
    "metric_vertices": {"sv": "Hörn", "en": "Vertices"},
    "check_ok": {"sv": "Gränsen är giltig och kan sparas.", "en": "The boundary is valid and can be saved."},
    "measured_in": {"sv": "Mätt i SWEREF 99 TM (EPSG:3006).", "en": "Measured in SWEREF 99 TM (EPSG:3006)."},
    "repair_button": {"sv": "Reparera gränsen", "en": "Repair the boundary"},
    "repair_undo": {"sv": "Ångra reparationen", "en": "Undo the repair"},
    "repair_result": {"sv": "Reparerad gräns: före (röd streckad) och efter (blå). Kontrollera resultatet innan du sparar.", "en": "Repaired boundary: before (red dashes) and after (blue). Check the result before you save."},
    "save_heading": {"sv": "Spara som ny version", "en": "Save as a new version"},
    "field_author": {"sv": "Ditt namn", "en": "Your name"},
    "field_comment": {"sv": "Kommentar (vad ändrades och varför)", "en": "Comment (what changed and why)"},
    "save_button": {"sv": "Spara version", "en": "Save version"},
    "saved_version": {"sv": "Version {number} är sparad och är nu aktuell.", "en": "Version {number} is saved and is now current."},
    "inside_heading": {"sv": "Inom området", "en": "Inside the area"},
    "inside_candidate_note": {"sv": "Gäller gränsen ovan, som inte är sparad ännu.", "en": "For the boundary above, which is not saved yet."},
    "inside_services": {"sv": "Servicepunkter", "en": "Service points"},
    "inside_buildings": {"sv": "Byggnader", "en": "Buildings"},
    "inside_candidates": {"sv": "Möjliga intressenter", "en": "Candidate stakeholders"},
    "add_candidates_button": {"sv": "Lägg till nya förslag i intressentregistret", "en": "Add new candidates to the stakeholder register"},
    "candidates_added": {"sv": "{count} intressenter lades till i registret.", "en": "{count} stakeholders were added to the register."},
    "versions_heading": {"sv": "Versioner", "en": "Versions"},
    "col_version": {"sv": "Version", "en": "Version"},
    "col_created": {"sv": "Skapad", "en": "Created"},
    "col_author": {"sv": "Av", "en": "By"},
    "col_comment": {"sv": "Kommentar", "en": "Comment"},
    "col_status": {"sv": "Status", "en": "Status"},
    "col_area_ha": {"sv": "Yta (ha)", "en": "Area (ha)"},
    "col_current": {"sv": "Aktuell", "en": "Current"},
    "col_status_by": {"sv": "Status satt av", "en": "Status set by"},
    "area_status_draft": {"sv": "Utkast", "en": "Draft"},
    "area_status_proposed": {"sv": "Förslag", "en": "Proposed"},
    "area_status_approved": {"sv": "Godkänd av styrgruppen", "en": "Approved by the steering group"},
    "version_choose": {"sv": "Välj version", "en": "Choose a version"},
    "propose_button": {"sv": "Markera som förslag", "en": "Mark as proposed"},
    "approve_by": {"sv": "Godkänd av (namn i styrgruppen)", "en": "Approved by (name in the steering group)"},
    "approve_button": {"sv": "Godkänn", "en": "Approve"},
    "make_current_button": {"sv": "Gör till aktuell", "en": "Make current"},
    "status_changed": {"sv": "Version {number} har nu status ”{status}”.", "en": "Version {number} now has the status “{status}”."},
    "made_current": {"sv": "Version {number} är nu aktuell.", "en": "Version {number} is now current."},
    "compare_heading": {"sv": "Jämför versioner", "en": "Compare versions"},
    "compare_from": {"sv": "Från version", "en": "From version"},
    "compare_to": {"sv": "Till version", "en": "To version"},
    "change_added": {"sv": "Tillkommit (ha)", "en": "Added (ha)"},
    "change_removed": {"sv": "Borttaget (ha)", "en": "Removed (ha)"},
    "change_net": {"sv": "Förändring (ha)", "en": "Change (ha)"},
    "layer_area_edit": {"sv": "Gränsen (redigerbar)", "en": "The boundary (editable)"},
    "layer_area_current": {"sv": "Nuvarande gräns", "en": "Current boundary"},
    "layer_area": {"sv": "Området", "en": "The area"},
    "layer_area_before": {"sv": "Före", "en": "Before"},
    "layer_area_added": {"sv": "Tillkommit", "en": "Added"},
    "layer_area_removed": {"sv": "Borttaget", "en": "Removed"},
    "layer_crossings": {"sv": "Korsningar", "en": "Crossings"},
    "crossing_tip": {"sv": "Gränsen korsar sig själv här", "en": "The boundary crosses itself here"},
    "draw_polygon": {"sv": "Rita området", "en": "Draw the area"},
    "draw_rectangle": {"sv": "Rita en rektangel", "en": "Draw a rectangle"},
    "draw_cancel": {"sv": "Avbryt", "en": "Cancel"},
    "draw_finish": {"sv": "Klar", "en": "Finish"},
    "draw_undo": {"sv": "Ta bort senaste punkten", "en": "Delete last point"},
    "draw_start": {"sv": "Tryck för att börja rita gränsen.", "en": "Tap to start drawing the boundary."},
    "draw_continue": {"sv": "Tryck för att fortsätta rita gränsen.", "en": "Tap to continue drawing the boundary."},
    "draw_end": {"sv": "Tryck på första punkten för att stänga gränsen.", "en": "Tap the first point to close the boundary."},
    "draw_error": {"sv": "<strong>Fel:</strong> linjerna får inte korsa varandra!", "en": "<strong>Error:</strong> the lines must not cross!"},
    "draw_rectangle_start": {"sv": "Tryck och dra för att rita en rektangel.", "en": "Tap and drag to draw a rectangle."},
    "draw_rectangle_end": {"sv": "Släpp för att avsluta.", "en": "Release to finish."},
    "edit_edit": {"sv": "Flytta gränsens hörn", "en": "Move the boundary's corners"},
    "edit_remove": {"sv": "Ta bort en ritad yta", "en": "Delete a drawn area"},
    "edit_save": {"sv": "Spara", "en": "Save"},
    "edit_clear": {"sv": "Ta bort allt", "en": "Clear all"},
    "edit_tooltip": {"sv": "Dra i hörnen för att ändra gränsen.", "en": "Drag the corners to change the boundary."},
    "edit_subtext": {"sv": "Tryck Avbryt för att ångra.", "en": "Press Cancel to undo."},
    "edit_remove_tooltip": {"sv": "Tryck på en yta för att ta bort den.", "en": "Tap an area to delete it."},
    "page_stakeholders": {"sv": "Intressenter", "en": "Stakeholders"},
    "sh_title": {"sv": "Intressentregistret", "en": "The stakeholder register"},
    "sh_intro": {"sv": "Intressenter i BID-området: företag, fastighetsägare, föreningar och kommunala kontakter. Kontaktuppgifter är personuppgifter: spara bara det som behövs.", "en": "Stakeholders in the BID area: businesses, property owners, associations and municipal contacts. Contact details are personal data: keep only what is needed."},
    "sh_candidates_heading": {"sv": "Förslag från OpenStreetMap inom området", "en": "Candidates from OpenStreetMap inside the area"},
    "sh_candidates_none": {"sv": "Inga nya förslag: alla verksamheter i OSM inom området finns redan i registret.", "en": "No new candidates: every business in OSM inside the area is in the register already."},
    "sh_need_area": {"sv": "Spara områdets gräns först (sidan Området) för att få förslag från OpenStreetMap.", "en": "Save the area's boundary first (the Area page) to get candidates from OpenStreetMap."},
    "sh_register_heading": {"sv": "Registret", "en": "The register"},
    "sh_empty": {"sv": "Registret är tomt. Lägg till förslagen ovan eller en intressent nedan.", "en": "The register is empty. Add the candidates above or a stakeholder below."},
    "sh_add_heading": {"sv": "Lägg till en intressent", "en": "Add a stakeholder"},
    "sh_added": {"sv": "”{name}” lades till.", "en": "“{name}” was added."},
    "sh_saved": {"sv": "Ändringarna är sparade.", "en": "The changes are saved."},
    "sh_save_changes": {"sv": "Spara ändringar", "en": "Save changes"},
    "sh_filter_status": {"sv": "Status", "en": "Status"},
    "sh_filter_role": {"sv": "Roll", "en": "Role"},
    "sh_filter_steering": {"sv": "Bara styrgruppen", "en": "Steering group only"},
    "sh_export_heading": {"sv": "Exportera (till avsiktsförklaringar)", "en": "Export (for letters of intent)"},
    "sh_include_contacts": {"sv": "Ta med kontaktuppgifter (personuppgifter, bara för internt bruk)", "en": "Include contact details (personal data, internal use only)"},
    "download_csv": {"sv": "Ladda ned CSV", "en": "Download CSV"},
    "download_xlsx": {"sv": "Ladda ned Excel", "en": "Download Excel"},
    "add_button": {"sv": "Lägg till", "en": "Add"},
    "all": {"sv": "Alla", "en": "All"},
    "role_business": {"sv": "Företag", "en": "Business"},
    "role_property_owner": {"sv": "Fastighetsägare", "en": "Property owner"},
    "role_association": {"sv": "Förening", "en": "Association"},
    "role_municipality": {"sv": "Kommunen", "en": "Municipality"},
    "role_region": {"sv": "Region / länsstyrelse", "en": "Region / county board"},
    "role_other": {"sv": "Annan", "en": "Other"},
    "status_identified": {"sv": "Identifierad", "en": "Identified"},
    "status_contacted": {"sv": "Kontaktad", "en": "Contacted"},
    "status_loi_sent": {"sv": "Avsiktsförklaring skickad", "en": "Letter of intent sent"},
    "status_signed": {"sv": "Undertecknad", "en": "Signed"},
    "status_declined": {"sv": "Avböjt", "en": "Declined"},
    "focus_place_brand": {"sv": "Platsvarumärke", "en": "Place brand"},
    "focus_offering": {"sv": "Utbud", "en": "Offering"},
    "focus_place": {"sv": "Platsen", "en": "The place"},
    "focus_accessibility": {"sv": "Tillgänglighet", "en": "Accessibility"},
    "focus_clean_safe": {"sv": "Rent, tryggt och säkert", "en": "Clean, safe and secure"},
    "col_id": {"sv": "Id", "en": "Id"},
    "col_name": {"sv": "Namn", "en": "Name"},
    "col_role": {"sv": "Roll", "en": "Role"},
    "col_steering_group": {"sv": "Styrgrupp", "en": "Steering group"},
    "col_focus_group": {"sv": "Fokusgrupp", "en": "Focus group"},
    "col_address": {"sv": "Adress", "en": "Address"},
    "col_notes": {"sv": "Anteckningar", "en": "Notes"},
    "col_contact_name": {"sv": "Kontaktperson", "en": "Contact person"},
    "col_contact_email": {"sv": "E-post", "en": "E-mail"},
    "col_contact_phone": {"sv": "Telefon", "en": "Phone"},
    "col_source": {"sv": "Källa", "en": "Source"},
    "col_osm_type": {"sv": "OSM-typ", "en": "OSM type"},
    "col_osm_id": {"sv": "OSM-id", "en": "OSM id"},
    # --- coverage and comparison pages ---------------------------------------------------
    "page_coverage": {"sv": "Gångavstånd", "en": "Walking distance"},
    "page_compare": {"sv": "Jämför orter", "en": "Compare localities"},
    "band_within": {"sv": "Inom {band} m", "en": "Within {band} m"},
    "band_beyond": {"sv": "Mer än {band} m", "en": "More than {band} m"},
    "band_unreached": {"sv": "Når ingen", "en": "Reaches none"},
    "layer_added_services": {"sv": "Tänkt ny service", "en": "Imagined new service"},
    "chart_share_within": {"sv": "Andel inom {band} m gångavstånd (%)", "en": "Share within {band} m walking distance (%)"},
    "chart_title": {"sv": "Andel byggnader inom {band} m gångavstånd per kategori", "en": "Share of buildings within {band} m walking distance per category"},
    "chart_attribution": {"sv": "Gångavstånd längs gatunätet. Data © OpenStreetMap contributors, ODbL 1.0.", "en": "Walking distance along the street network. Data © OpenStreetMap contributors, ODbL 1.0."},
    "cov_title": {"sv": "Gångavstånd till service", "en": "Walking distance to services"},
    "cov_intro": {"sv": "Avstånd längs gator och gångvägar från varje byggnad (eller befolkningsruta) till närmaste service i varje kategori.", "en": "Distance along streets and paths from every building (or population cell) to the nearest service of each category."},
    "cov_need_osm": {"sv": "Projektet har inga OSM-data, så gångavstånd kan inte beräknas.", "en": "The project has no OSM data, so walking distances cannot be computed."},
    "cov_bands": {"sv": "Avståndsband (meter)", "en": "Distance bands (metres)"},
    "cov_scope": {"sv": "Vilka byggnader", "en": "Which buildings"},
    "cov_scope_locality": {"sv": "Hela orten", "en": "The whole locality"},
    "cov_scope_area": {"sv": "Inom BID-området", "en": "Inside the BID area"},
    "cov_use_population": {"sv": "Räkna personer (befolkningsrutor) i stället för byggnader", "en": "Count people (population grid) instead of buildings"},
    "cov_no_population": {"sv": "Importera ett befolkningsrutnät nedan för att räkna personer.", "en": "Import a population grid below to count people."},
    "cov_origins": {"sv": "{count} byggnader", "en": "{count} buildings"},
    "cov_people": {"sv": "{count} personer i {cells} rutor", "en": "{count} people in {cells} cells"},
    "col_services": {"sv": "Antal", "en": "Count"},
    "col_median": {"sv": "Median (m)", "en": "Median (m)"},
    "col_within": {"sv": "Inom {band} m", "en": "Within {band} m"},
    "cov_category": {"sv": "Kategori på kartan och i konsekvensanalysen", "en": "Category on the map and in the what-if"},
    "cov_whatif_heading": {"sv": "Tänk om …", "en": "What if …"},
    "cov_close": {"sv": "Stäng (eller flytta) service", "en": "Close (or move) services"},
    "cov_click_to_add": {"sv": "Tryck på kartan där en ny service skulle ligga.", "en": "Tap the map where a new service would be."},
    "cov_add_here": {"sv": "Lägg till tänkt service vid {lat}, {lon}", "en": "Add an imagined service at {lat}, {lon}"},
    "cov_clear_added": {"sv": "Ta bort tänkta tillägg", "en": "Remove imagined additions"},
    "cov_worse": {"sv": "Om förändringen genomförs får {count} {unit} mer än {band} m till {label}.", "en": "If this happens, {count} {unit} get more than {band} m to {label}."},
    "cov_better": {"sv": "Om förändringen genomförs får {count} {unit} högst {band} m till {label}.", "en": "If this happens, {count} {unit} get within {band} m of {label}."},
    "cov_no_change": {"sv": "Ingen byggnad får ett annat avståndsband.", "en": "No building changes distance band."},
    "unit_buildings": {"sv": "byggnader", "en": "buildings"},
    "unit_people": {"sv": "personer", "en": "people"},
    "cov_population_heading": {"sv": "Befolkningsrutnät", "en": "Population grid"},
    "cov_population_file": {"sv": "Rutnät (GeoPackage, GeoJSON eller CSV med x, y och befolkning)", "en": "Grid (GeoPackage, GeoJSON or CSV with x, y and population)"},
    "cov_population_crs": {"sv": "Koordinatsystem för CSV i meter", "en": "Coordinate system of a CSV in metres"},
    "cov_population_column": {"sv": "Befolkningskolumn (tomt: hitta själv)", "en": "Population column (empty: find it)"},
    "cov_population_import": {"sv": "Importera rutnätet", "en": "Import the grid"},
    "cov_population_done": {"sv": "{count} rutor importerades.", "en": "{count} cells were imported."},
    "cmp_title": {"sv": "Jämför orter", "en": "Compare localities"},
    "cmp_intro": {"sv": "Service och gångavstånd sida vid sida, så som regionala serviceanalyser jämför orter.", "en": "Services and walking distances side by side, the way regional service analyses compare localities."},
    "cmp_projects": {"sv": "Orter (projekt)", "en": "Localities (projects)"},
    "cmp_need_two": {"sv": "Välj minst två projekt med OSM-data.", "en": "Choose at least two projects with OSM data."},
    "cmp_band": {"sv": "Avståndsband i diagrammet", "en": "Distance band in the chart"},
    "cmp_maps_heading": {"sv": "Kartor: {label}", "en": "Maps: {label}"},
    "download_png": {"sv": "Ladda ned diagram (PNG)", "en": "Download chart (PNG)"},
    # --- services page -----------------------------------------------------------------
    # --- step 2: the place walk --------------------------------------------------------
    "review_state_new": {"sv": "Ny", "en": "New"},
    "review_state_accepted": {"sv": "Godtagen", "en": "Accepted"},
    "review_state_to_action": {"sv": "Till åtgärd", "en": "To action"},
    "review_state_rejected": {"sv": "Avvisad", "en": "Rejected"},
    "priority_high": {"sv": "Hög", "en": "High"},
    "priority_medium": {"sv": "Medel", "en": "Medium"},
    "priority_low": {"sv": "Låg", "en": "Low"},
    "action_status_planned": {"sv": "Planerad", "en": "Planned"},
    "action_status_in_progress": {"sv": "Pågår", "en": "In progress"},
    "action_status_done": {"sv": "Klar", "en": "Done"},
    "page_walk": {"sv": "Steg 2: Platsvandring", "en": "Step 2: Place walk"},
    "walk_title": {"sv": "Platsvandring", "en": "Place walk"},
    "walk_intro": {
        "sv": "Se platsen med nya ögon: registrera styrkor, utmaningar och idéer för de fem fokusområdena, "
        "med position och foton. Allt sparas direkt – även ett halvifyllt formulär.",
        "en": "See the place with new eyes: record strengths, challenges and ideas for the five focus areas, "
        "with a position and photos. Everything is saved at once – even a half-filled form.",
    },
    "walk_baseline": {"sv": "baslinje", "en": "baseline"},
    "walk_followup": {"sv": "uppföljning", "en": "follow-up"},
    "walk_count": {"sv": "{count} observationer sparade", "en": "{count} observations saved"},
    "walk_new_heading": {"sv": "Ny vandring", "en": "New walk"},
    "walk_date": {"sv": "Datum", "en": "Date"},
    "walk_focus_group": {"sv": "Fokusgrupp", "en": "Focus group"},
    "walk_participants": {"sv": "Deltagare", "en": "Participants"},
    "walk_notes": {"sv": "Anteckningar", "en": "Notes"},
    "walk_route": {"sv": "Rita en planerad rutt", "en": "Draw a planned route"},
    "walk_route_help": {
        "sv": "Välj linjeverktyget, tryck längs rutten och avsluta med sista punkten.",
        "en": "Choose the line tool, tap along the route and finish on the last point.",
    },
    "walk_create": {"sv": "Skapa vandringen", "en": "Create the walk"},
    "walk_choose": {"sv": "Vandring", "en": "Walk"},
    "walk_view": {"sv": "Visa", "en": "Show"},
    "walk_view_record": {"sv": "Registrera", "en": "Record"},
    "walk_view_list": {"sv": "Observationer och karta", "en": "Observations and map"},
    "walk_view_assess": {"sv": "Bedömning av fokusområden", "en": "Focus-area assessment"},
    "walk_view_kit": {"sv": "Fältkit (offline)", "en": "Field kit (offline)"},
    "kit_help": {
        "sv": "Utan mobiltäckning: ta med fältkitet i QField eller Mergin Maps (området, servicen och ett tomt "
        "observationslager med fokusområden och typer som listor). Läs in det ifyllda kitet här efteråt – "
        "samma kit kan läsas in flera gånger utan dubbletter.",
        "en": "Without mobile coverage: take the field kit in QField or Mergin Maps (the area, the services and an "
        "empty observation layer with focus areas and types as lists). Import the filled kit here afterwards – "
        "the same kit can be imported again without duplicates.",
    },
    "kit_make": {"sv": "Skapa fältkitet", "en": "Make the field kit"},
    "kit_download": {"sv": "Ladda ned fältkitet (zip)", "en": "Download the field kit (zip)"},
    "kit_import_heading": {"sv": "Läs in ett ifyllt kit till vandringen {walk}", "en": "Import a filled kit into the walk {walk}"},
    "kit_upload": {"sv": "Kitets .gpkg, eller en .zip av kitets mapp med foton", "en": "The kit's .gpkg, or a .zip of the kit's folder with photos"},
    "kit_import": {"sv": "Läs in kitet", "en": "Import the kit"},
    "kind_strength": {"sv": "Styrka", "en": "Strength"},
    "kind_challenge": {"sv": "Utmaning", "en": "Challenge"},
    "kind_idea": {"sv": "Idé", "en": "Idea"},
    "obs_focus": {"sv": "Fokusområde", "en": "Focus area"},
    "obs_kind": {"sv": "Typ", "en": "Type"},
    "obs_rating": {"sv": "Bedömning (1–5)", "en": "Judgement (1–5)"},
    "obs_rating_help": {"sv": "1 = mycket dåligt, 5 = mycket bra", "en": "1 = very poor, 5 = very good"},
    "obs_comment": {"sv": "Kommentar", "en": "Comment"},
    "obs_author": {"sv": "Ditt namn eller din grupp", "en": "Your name or group"},
    "obs_photos": {"sv": "Foton", "en": "Photos"},
    "obs_camera_on": {"sv": "Ta foto med kameran", "en": "Take a photo with the camera"},
    "obs_camera": {"sv": "Kamera", "en": "Camera"},
    "obs_photo_remove": {"sv": "Ta bort fotot", "en": "Remove the photo"},
    "obs_position": {"sv": "Position", "en": "Position"},
    "obs_use_photo_position": {"sv": "Använd fotots position", "en": "Use the photo's position"},
    "obs_position_is": {"sv": "Position: {lat}, {lon} ({source})", "en": "Position: {lat}, {lon} ({source})"},
    "obs_accuracy": {"sv": " · noggrannhet ±{m} m", "en": " · accuracy ±{m} m"},
    "obs_position_none": {
        "sv": "Ingen position ännu: tryck på GPS-knappen, tryck på kartan eller lägg till ett foto med position.",
        "en": "No position yet: tap the GPS button, tap the map or add a photo that has a position.",
    },
    "source_gps": {"sv": "GPS", "en": "GPS"},
    "source_map": {"sv": "vald på kartan", "en": "chosen on the map"},
    "source_photo": {"sv": "från fotot", "en": "from the photo"},
    "source_kit": {"sv": "från fältkitet", "en": "from the field kit"},
    "geo_button": {"sv": "Använd min position (GPS)", "en": "Use my position (GPS)"},
    "geo_waiting": {"sv": "Söker position …", "en": "Finding the position …"},
    "geo_found": {"sv": "Position hittad, noggrannhet ±{accuracy} m", "en": "Position found, accuracy ±{accuracy} m"},
    "geo_denied": {
        "sv": "Platsåtkomst är nekad. Tillåt plats för sidan i webbläsaren, eller tryck på kartan.",
        "en": "Location access is denied. Allow location for this page in the browser, or tap the map.",
    },
    "geo_timeout": {
        "sv": "Ingen GPS-position kom i tid. Försök igen utomhus, eller tryck på kartan.",
        "en": "No GPS position came in time. Try again outdoors, or tap the map.",
    },
    "geo_unavailable": {
        "sv": "Enheten kan inte ge någon position. Tryck på kartan i stället.",
        "en": "The device cannot give a position. Tap the map instead.",
    },
    "obs_save": {"sv": "Spara observationen", "en": "Save the observation"},
    "obs_saved": {"sv": "Sparad ✓ – {count} observationer i vandringen.", "en": "Saved ✓ – {count} observations in the walk."},
    "obs_saved_updated": {"sv": "Ändringen är sparad ✓ – {count} observationer i vandringen.", "en": "The change is saved ✓ – {count} observations in the walk."},
    "obs_editing": {"sv": "Du ändrar en sparad observation.", "en": "You are changing a saved observation."},
    "obs_other_draft": {
        "sv": "Ett osparat utkast från {when} finns kvar: ”{text}”",
        "en": "An unsaved draft from {when} is still there: “{text}”",
    },
    "obs_resume": {"sv": "Fortsätt med det", "en": "Continue with it"},
    "obs_new": {"sv": "Töm formuläret", "en": "Clear the form"},
    "obs_stop_editing": {"sv": "Sluta ändra (ny observation)", "en": "Stop changing (new observation)"},
    "obs_delete": {"sv": "Ta bort observationen", "en": "Delete the observation"},
    "obs_deleted": {"sv": "Observationen är borttagen (den finns kvar i historiken).", "en": "The observation is deleted (it stays in the history)."},
    "obs_filter_focus": {"sv": "Fokusområden", "en": "Focus areas"},
    "obs_filter_kind": {"sv": "Typer", "en": "Types"},
    "obs_none": {"sv": "Inga observationer ännu.", "en": "No observations yet."},
    "obs_choose": {"sv": "Välj en observation", "en": "Choose an observation"},
    "obs_edit": {"sv": "Ändra i formuläret", "en": "Change it in the form"},
    "obs_history": {"sv": "Historik", "en": "History"},
    "col_time": {"sv": "Tid", "en": "Time"},
    "col_change": {"sv": "Ändring", "en": "Change"},
    "change_create": {"sv": "skapad", "en": "created"},
    "change_update": {"sv": "ändrad", "en": "changed"},
    "change_delete": {"sv": "borttagen", "en": "deleted"},
    "change_restore": {"sv": "återställd", "en": "restored"},
    "assess_help": {
        "sv": "Efter vandringen: varje deltagare eller grupp ger de fem fokusområdena ett betyg 1–7 "
        "(1 = stort behov av förbättring, 7 = mycket bra), med en kommentar.",
        "en": "After the walk: each participant or group scores the five focus areas 1–7 "
        "(1 = much room for improvement, 7 = very good), with a comment.",
    },
    "assess_respondent": {"sv": "Deltagare eller grupp", "en": "Participant or group"},
    "assess_score": {"sv": "Betyg (1–7)", "en": "Score (1–7)"},
    "assess_comment": {"sv": "Kommentar", "en": "Comment"},
    "assess_save": {"sv": "Spara bedömningen", "en": "Save the assessment"},
    "assess_saved": {"sv": "Bedömningen från {respondent} är sparad.", "en": "The assessment by {respondent} is saved."},
    "assess_none": {"sv": "Inga bedömningar ännu.", "en": "No assessments yet."},
    "chart_radar_title": {"sv": "Fokusområden, medelbetyg (1–7)", "en": "Focus areas, mean score (1–7)"},
    "layer_route": {"sv": "Planerad rutt", "en": "Planned route"},
    "layer_new_observation": {"sv": "Den nya observationens position", "en": "The new observation's position"},
    "draw_polyline": {"sv": "Rita en rutt", "en": "Draw a route"},
    "draw_line_start": {"sv": "Tryck där rutten börjar.", "en": "Tap where the route starts."},
    "draw_line_continue": {"sv": "Tryck för nästa punkt.", "en": "Tap for the next point."},
    "draw_line_end": {"sv": "Tryck på sista punkten igen för att avsluta.", "en": "Tap the last point again to finish."},
    # --- steps 2-5: status analysis and the steering group's review ---------------------
    "page_analysis": {"sv": "Steg 2–3: Nulägesanalys", "en": "Steps 2–3: Status analysis"},
    "page_review": {"sv": "Styrgruppen: granskning", "en": "Steering group: review"},
    "an_title": {"sv": "Nulägesanalys", "en": "Status analysis"},
    "an_intro": {
        "sv": "Det vandringarna såg, fokusområde för fokusområde, bredvid den service orten har. "
        "Härifrån tas rapporter och GIS-filer ut till styrgruppen och kommunen.",
        "en": "What the walks saw, focus area by focus area, beside the service the place has. "
        "Reports and GIS files for the steering group and the municipality are made here.",
    },
    "an_walks": {"sv": "Vandringar", "en": "Walks"},
    "an_observations": {"sv": "Observationer", "en": "Observations"},
    "an_accepted": {"sv": "Godtagna av styrgruppen", "en": "Accepted by the steering group"},
    "an_no_scores": {
        "sv": "Ingen bedömning av fokusområdena ännu (görs på sidan Platsvandring efter vandringen).",
        "en": "No focus-area assessment yet (made on the Place walk page after the walk).",
    },
    "an_services": {"sv": "Service på orten", "en": "Services in the locality"},
    "an_no_services": {"sv": "Projektet har inga servicepunkter ännu.", "en": "The project has no service points yet."},
    "an_coverage": {"sv": "Gångavstånd till service (hela orten)", "en": "Walking distance to services (whole locality)"},
    "an_exports": {"sv": "Rapporter och filer", "en": "Reports and files"},
    "an_public": {"sv": "Publik version (utan namn och kontaktuppgifter)", "en": "Public version (without names and contact details)"},
    "an_public_help": {
        "sv": "Lämnar ut vem som skrev observationer och kommentarer, och intressentregistret.",
        "en": "Leaves out who wrote observations and comments, and the stakeholder register.",
    },
    "an_format": {"sv": "Format", "en": "Format"},
    "an_format_pdf": {"sv": "PDF-rapport", "en": "PDF report"},
    "an_format_html": {"sv": "HTML-rapport med karta", "en": "HTML report with map"},
    "an_format_gpkg": {"sv": "GeoPackage (QGIS)", "en": "GeoPackage (QGIS)"},
    "an_format_csv": {"sv": "CSV-tabeller (zip)", "en": "CSV tables (zip)"},
    "an_format_xlsx": {"sv": "Excel", "en": "Excel"},
    "an_make": {"sv": "Skapa filen", "en": "Make the file"},
    "an_making": {"sv": "Skapar filen …", "en": "Making the file …"},
    "an_download": {"sv": "Ladda ned {name}", "en": "Download {name}"},
    "rev_title": {"sv": "Styrgruppens granskning", "en": "The steering group's review"},
    "rev_intro": {
        "sv": "Välj en observation på kartan eller i listan, ge den ett läge och kommentarer, och gör "
        "godtagna observationer till åtgärder i handlingsplanen.",
        "en": "Choose an observation on the map or in the list, give it a state and comments, and turn "
        "accepted observations into actions in the action plan.",
    },
    "rev_big_text": {"sv": "Stor text (projektor)", "en": "Large text (projector)"},
    "rev_nothing": {"sv": "Inga observationer att granska ännu.", "en": "No observations to review yet."},
    "rev_walks": {"sv": "Vandringar", "en": "Walks"},
    "rev_all": {"sv": "Alla vandringar", "en": "All walks"},
    "rev_states": {"sv": "Läge", "en": "State"},
    "rev_no_match": {"sv": "Inga observationer med de valen.", "en": "No observations with those choices."},
    "rev_state": {"sv": "Granskning", "en": "Review"},
    "rev_comments": {"sv": "Kommentarer", "en": "Comments"},
    "rev_from_walk": {"sv": "Från vandringen · {when} · {author}", "en": "From the walk · {when} · {author}"},
    "rev_reviewer": {"sv": "Ditt namn (granskare)", "en": "Your name (reviewer)"},
    "rev_comment_by": {"sv": "Granskarens kommentar · {author} · {when}", "en": "Reviewer's comment · {author} · {when}"},
    "rev_comment_new": {"sv": "Ny kommentar från styrgruppen", "en": "New comment from the steering group"},
    "rev_comment_add": {"sv": "Lägg till kommentaren", "en": "Add the comment"},
    "rev_make_action": {"sv": "Gör till en åtgärd", "en": "Make it an action"},
    "act_title": {"sv": "Åtgärd", "en": "Action"},
    "act_owner": {"sv": "Ansvarig", "en": "Owner"},
    "act_priority": {"sv": "Prioritet", "en": "Priority"},
    "act_cost": {"sv": "Kostnad (kr, uppskattad)", "en": "Cost (SEK, estimated)"},
    "act_due": {"sv": "Klart senast", "en": "Due"},
    "act_status": {"sv": "Status", "en": "Status"},
    "act_create": {"sv": "Lägg till i handlingsplanen", "en": "Add to the action plan"},
    "act_plan": {"sv": "Handlingsplan", "en": "Action plan"},
    "act_none": {"sv": "Handlingsplanen är tom ännu.", "en": "The action plan is empty so far."},
    "act_save": {"sv": "Spara ändringarna i handlingsplanen", "en": "Save the changes to the action plan"},
    "act_saved": {"sv": "Handlingsplanen är sparad.", "en": "The action plan is saved."},
    # --- the BID process ------------------------------------------------------------------
    "page_process": {"sv": "Processen (7 steg)", "en": "The process (7 steps)"},
    "pr_title": {"sv": "BID-processen, 18 månader", "en": "The BID process, 18 months"},
    "pr_intro": {
        "sv": "De sju stegen i Levande orter från startdatum: tidslinje, checklistor, leveranser och styrgruppens möten.",
        "en": "The seven steps of Levande orter from the start date: timeline, checklists, deliverables and the "
        "steering group's meetings.",
    },
    "pr_start": {"sv": "Processen startar", "en": "The process starts"},
    "pr_set_start": {"sv": "Spara startdatum", "en": "Save the start date"},
    "pr_not_started": {"sv": "Ange när processen startar för att få tidslinje och checklistor.", "en": "Set when the process starts to get the timeline and checklists."},
    "pr_now": {"sv": "Nu: steg {step} av 7 – {label}", "en": "Now: step {step} of 7 – {label}"},
    "pr_before": {"sv": "Processen har inte börjat än.", "en": "The process has not started yet."},
    "pr_after": {"sv": "Processens 18 månader är slut.", "en": "The process's 18 months are over."},
    "pr_overdue": {"sv": "{count} uppgifter är försenade.", "en": "{count} tasks are overdue."},
    "pr_step": {"sv": "Steg {step}: {label} ({start} – {end}, {weeks} veckor)", "en": "Step {step}: {label} ({start} – {end}, {weeks} weeks)"},
    "pr_deliverables": {"sv": "Leveranser", "en": "Deliverables"},
    "pr_missing": {"sv": "Saknas: {what}", "en": "Missing: {what}"},
    "pr_all_there": {"sv": "Alla leveranser finns.", "en": "All deliverables are there."},
    "deliverable_approved_area": {"sv": "godkänd områdesversion (Steg 1: Området)", "en": "an approved area version (Step 1: The area)"},
    "deliverable_letters_of_intent": {"sv": "undertecknade avsiktsförklaringar (Intressenter)", "en": "signed letters of intent (Stakeholders)"},
    "deliverable_place_walk": {"sv": "platsvandring med observationer", "en": "a place walk with observations"},
    "deliverable_status_analysis": {"sv": "nulägesanalys (bedömning av fokusområdena och granskade observationer)", "en": "a status analysis (focus-area scores and reviewed observations)"},
    "deliverable_action_plan": {"sv": "handlingsplan", "en": "an action plan"},
    "deliverable_takeover_agreement": {"sv": "avtal om vem som tar över", "en": "an agreement on who takes over"},
    "deliverable_final_report": {"sv": "slutrapport", "en": "the final report"},
    "pr_tasks": {"sv": "Checklista", "en": "Checklist"},
    "pr_add_task": {"sv": "Lägg till en egen uppgift", "en": "Add your own task"},
    "pr_task": {"sv": "Uppgift", "en": "Task"},
    "pr_owner": {"sv": "Ansvarig", "en": "Owner"},
    "pr_due": {"sv": "Klart senast", "en": "Due"},
    "pr_status": {"sv": "Status", "en": "Status"},
    "pr_late": {"sv": "Försenad", "en": "Overdue"},
    "pr_save_tasks": {"sv": "Spara checklistan", "en": "Save the checklist"},
    "pr_saved": {"sv": "Sparat.", "en": "Saved."},
    "task_status_todo": {"sv": "Att göra", "en": "To do"},
    "task_status_doing": {"sv": "Pågår", "en": "Doing"},
    "task_status_done": {"sv": "Klar", "en": "Done"},
    "pr_handover_org": {"sv": "Organisation som tar över", "en": "Organisation that takes over"},
    "pr_handover_on": {"sv": "Avtalet undertecknat", "en": "Agreement signed"},
    "pr_save_handover": {"sv": "Spara överenskommelsen", "en": "Save the agreement"},
    "pr_final_on": {"sv": "Slutrapporten klar", "en": "Final report done"},
    "pr_save_final": {"sv": "Spara", "en": "Save"},
    "pr_handover": {"sv": "Överlämningspaket", "en": "Handover package"},
    "pr_handover_help": {
        "sv": "En zip till organisationen som tar över: GeoPackage, PDF-rapport, intressentlista, handlingsplan och en LASMIG.txt.",
        "en": "One zip for the organisation that takes over: GeoPackage, PDF report, stakeholder list, action plan and a LASMIG.txt (README).",
    },
    "pr_with_contacts": {"sv": "Ta med intressenternas kontaktuppgifter (personuppgifter)", "en": "Include the stakeholders' contact details (personal data)"},
    "pr_make_handover": {"sv": "Skapa överlämningspaketet", "en": "Make the handover package"},
    "pr_download_handover": {"sv": "Ladda ned {name}", "en": "Download {name}"},
    "pr_meetings": {"sv": "Styrgruppens möten", "en": "Steering-group meetings"},
    "pr_meeting_date": {"sv": "Datum", "en": "Date"},
    "pr_meeting_participants": {"sv": "Deltagare", "en": "Participants"},
    "pr_meeting_decisions": {"sv": "Beslut", "en": "Decisions"},
    "pr_meeting_observations": {"sv": "Granskade observationer som beslutet gäller", "en": "Reviewed observations the decisions concern"},
    "pr_meeting_new": {"sv": "Nytt möte", "en": "New meeting"},
    "pr_meeting_add": {"sv": "Spara mötet", "en": "Save the meeting"},
    "pr_no_meetings": {"sv": "Inga möten ännu.", "en": "No meetings yet."},
    "chart_today": {"sv": "idag", "en": "today"},
    "chart_overdue": {"sv": "Försenade uppgifter ({count})", "en": "Overdue tasks ({count})"},
    "chart_timeline_title": {"sv": "De sju stegen", "en": "The seven steps"},
    "handover_with_contacts": {"sv": "med kontaktuppgifter (personuppgifter – hantera enligt GDPR)", "en": "with contact details (personal data – handle under the GDPR)"},
    "handover_without_contacts": {"sv": "utan kontaktuppgifter", "en": "without contact details"},
    "handover_readme": {
        "sv": "Överlämningspaket för {name} ({locality}), {date}\n\n"
        "Filerna i paketet:\n"
        "- rapport.pdf: nulägesanalysen med kartor, foton, bedömning av fokusområdena, service och handlingsplan.\n"
        "- bid.gpkg: alla kartlager (områdesversioner, service och rättelser, observationer, åtgärder, vandringar) "
        "som GeoPackage; öppnas i QGIS.\n"
        "- handlingsplan.xlsx och handlingsplan.csv: åtgärderna med ansvarig, prioritet, kostnad och datum.\n"
        "- intressenter.csv: intressentregistret, {contacts}.\n\n"
        "Kartdata: {attribution}\n",
        "en": "Handover package for {name} ({locality}), {date}\n\n"
        "The files in the package:\n"
        "- rapport.pdf: the status analysis with maps, photos, focus-area scores, services and the action plan.\n"
        "- bid.gpkg: every map layer (area versions, services and corrections, observations, actions, walks) "
        "as a GeoPackage; opens in QGIS.\n"
        "- handlingsplan.xlsx and handlingsplan.csv: the actions with owner, priority, cost and dates.\n"
        "- intressenter.csv: the stakeholder register, {contacts}.\n\n"
        "Map data: {attribution}\n",
    },
    "page_services": {"sv": "Service", "en": "Services"},
    "sv_title": {"sv": "Service på orten", "en": "Services in the locality"},
    "sv_intro": {"sv": "Ortens service från OpenStreetMap, med era egna rättelser. Rättelser sparas för sig och finns kvar efter varje ny import.", "en": "The locality's services from OpenStreetMap, with your own corrections. Corrections are kept apart and survive every new import."},
    "sv_search": {"sv": "Sök på namn", "en": "Search by name"},
    "sv_choose": {"sv": "Välj en servicepunkt", "en": "Choose a service point"},
    "sv_details": {"sv": "Uppgifter i OpenStreetMap", "en": "Details in OpenStreetMap"},
    "sv_osm_link": {"sv": "Öppna objektet i OpenStreetMap", "en": "Open the object in OpenStreetMap"},
    "sv_no_match": {"sv": "Ingen servicepunkt matchar sökningen.", "en": "No service point matches the search."},
    "sv_correct_heading": {"sv": "Rätta", "en": "Correct"},
    "sv_close": {"sv": "Markera som stängd", "en": "Mark as closed"},
    "sv_change_category": {"sv": "Byt kategori till", "en": "Change category to"},
    "sv_change_button": {"sv": "Byt kategori", "en": "Change category"},
    "sv_move_here": {"sv": "Flytta hit ({lat}, {lon})", "en": "Move here ({lat}, {lon})"},
    "sv_add_heading": {"sv": "Lägg till en saknad service", "en": "Add a missing service"},
    "sv_add_help": {"sv": "Tryck på kartan där tjänsten finns, välj kategori och namn.", "en": "Tap the map where the service is, choose its category and name."},
    "sv_add_button": {"sv": "Lägg till vid {lat}, {lon}", "en": "Add at {lat}, {lon}"},
    "sv_corrected": {"sv": "Rättelsen är sparad.", "en": "The correction is saved."},
    "sv_import_heading": {"sv": "Importera på nytt", "en": "Import again"},
    "sv_import_file": {"sv": "Från ett OSM-utdrag (.osm eller .osm.pbf)", "en": "From an OSM extract (.osm or .osm.pbf)"},
    "sv_import_file_button": {"sv": "Importera filen", "en": "Import the file"},
    "sv_import_overpass": {"sv": "Hämta från OpenStreetMap (området + {km} km)", "en": "Fetch from OpenStreetMap (the area + {km} km)"},
    "sv_importing": {"sv": "Hämtar från OpenStreetMap …", "en": "Fetching from OpenStreetMap …"},
    "sv_imported": {"sv": "{count} servicepunkter importerades.", "en": "{count} service points were imported."},
    "sv_need_area_for_overpass": {"sv": "Spara områdets gräns först för att hämta från OpenStreetMap.", "en": "Save the area's boundary first to fetch from OpenStreetMap."},
    "sv_changes_heading": {"sv": "Ändrat sedan förra importen", "en": "Changed since the previous import"},
    "sv_new": {"sv": "Nya: {count}", "en": "New: {count}"},
    "sv_gone": {"sv": "Borta: {count}", "en": "Gone: {count}"},
    "sv_snapshots": {"sv": "Importer", "en": "Imports"},
    "col_source_name": {"sv": "Fil eller källa", "en": "File or source"},
    "sv_register_heading": {"sv": "Importera ett register (CSV, XLSX eller GeoPackage)", "en": "Import a register (CSV, XLSX or GeoPackage)"},
    "sv_register_file": {"sv": "Registerfil", "en": "Register file"},
    "sv_register_name": {"sv": "Kolumn med namn", "en": "Column with the name"},
    "sv_register_type": {"sv": "Kolumn med typ", "en": "Column with the type"},
    "sv_register_x": {"sv": "Kolumn med x / longitud", "en": "Column with x / longitude"},
    "sv_register_y": {"sv": "Kolumn med y / latitud", "en": "Column with y / latitude"},
    "sv_register_crs": {"sv": "Koordinatsystem (t.ex. EPSG:3006 eller EPSG:4326)", "en": "Coordinate system (e.g. EPSG:3006 or EPSG:4326)"},
    "sv_register_types": {"sv": "Vilken kategori är varje typ?", "en": "Which category is each type?"},
    "sv_register_skip": {"sv": "Hoppa över", "en": "Skip"},
    "sv_register_button": {"sv": "Importera registret", "en": "Import the register"},
    "sv_register_errors": {"sv": "{count} rader har fel. Inget importerades; rätta raderna och försök igen.", "en": "{count} rows have errors. Nothing was imported; fix the rows and try again."},
    "col_row": {"sv": "Rad", "en": "Row"},
    "col_message": {"sv": "Fel", "en": "Error"},
    "col_type": {"sv": "Typ", "en": "Type"},
    # --- status-analysis exports (bidgeo/report.py, bidgeo export) ---------------------
    "report_title": {"sv": "Nulägesanalys", "en": "Status analysis"},
    "report_kicker": {"sv": "Levande orter · Service-BID", "en": "Living localities · Service BID"},
    "report_public": {
        "sv": "Publik version: namn och kontaktuppgifter är utelämnade.",
        "en": "Public version: names and contact details are left out.",
    },
    "report_internal": {
        "sv": "Intern version för styrgruppen: den innehåller namn. Sprid den inte utanför projektet.",
        "en": "Internal version for the steering group: it contains names. Do not share it outside the project.",
    },
    "report_locality": {"sv": "Ort", "en": "Locality"},
    "report_municipality": {"sv": "Kommun", "en": "Municipality"},
    "report_bid_type": {"sv": "Typ av BID", "en": "Type of BID"},
    "report_area": {"sv": "BID-område", "en": "BID area"},
    "report_area_value": {"sv": "{ha} ha (version {number}, {status})", "en": "{ha} ha (version {number}, {status})"},
    "report_no_area": {"sv": "Inget område sparat ännu", "en": "No area saved yet"},
    "report_walks": {"sv": "Vandringar", "en": "Walks"},
    "report_observations": {"sv": "Observationer", "en": "Observations"},
    "report_date": {"sv": "Datum", "en": "Date"},
    "report_overview_map": {
        "sv": "Alla observationer i och kring BID-området, numrerade som i avsnitten om fokusområdena.",
        "en": "All observations in and around the BID area, numbered as in the focus-area sections.",
    },
    "report_map_heading": {"sv": "Karta över observationerna", "en": "Map of the observations"},
    "report_map_help": {
        "sv": "Klicka på en symbol för kommentar och foton. Lagerväljaren uppe till höger tänder och släcker "
        "fokusområdena.",
        "en": "Click a symbol for its comment and photos. The layer control at the top right turns the focus "
        "areas on and off.",
    },
    "report_map_area": {"sv": "BID-område", "en": "BID area"},
    "report_summary": {"sv": "Sammanfattning", "en": "Summary"},
    "report_no_walks": {"sv": "Ingen platsvandring är registrerad ännu.", "en": "No place walk is recorded yet."},
    "report_counts": {"sv": "Observationer per fokusområde", "en": "Observations per focus area"},
    "report_total": {"sv": "Totalt", "en": "Total"},
    "report_radar": {"sv": "Bedömning av fokusområdena (1–7)", "en": "Assessment of the focus areas (1–7)"},
    "report_no_scores": {
        "sv": "Ingen bedömning av fokusområdena är gjord ännu.",
        "en": "No assessment of the focus areas has been made yet.",
    },
    "report_mean_rating": {"sv": "Medelbedömning (1–5)", "en": "Mean judgement (1–5)"},
    "report_mean_score": {"sv": "Medelbetyg (1–7)", "en": "Mean score (1–7)"},
    "report_mean_score_of": {"sv": "Medelbetyg (1–7), {walk}", "en": "Mean score (1–7), {walk}"},
    "report_focus_heading": {"sv": "Fokusområde: {label}", "en": "Focus area: {label}"},
    "report_rating_value": {"sv": "{rating}/5", "en": "{rating}/5"},
    "report_no_comment": {"sv": "(ingen kommentar)", "en": "(no comment)"},
    "report_photo": {"sv": "Foto", "en": "Photo"},
    "report_action": {"sv": "Åtgärd", "en": "Action"},
    "report_no_observations": {
        "sv": "Inga observationer inom det här fokusområdet.",
        "en": "No observations in this focus area.",
    },
    "report_reviewer": {"sv": "Granskare", "en": "Reviewer"},
    "report_respondent": {"sv": "Deltagare {number}", "en": "Participant {number}"},
    "report_services": {"sv": "Service på orten", "en": "Services in the locality"},
    "report_services_total": {
        "sv": "{count} servicepunkter i projektets inventering (den senaste importen med projektets rättelser).",
        "en": "{count} service points in the project's inventory (the newest import with the project's corrections).",
    },
    "report_no_services": {"sv": "Projektet har inga servicepunkter ännu.", "en": "The project has no service points yet."},
    "report_corrections": {
        "sv": "Projektet har gjort {count} rättelser av inventeringen (tillagda, stängda, flyttade eller omklassade "
        "tjänster).",
        "en": "The project has made {count} corrections of the inventory (added, closed, moved or recategorised "
        "services).",
    },
    "report_fix_add": {"sv": "Tillagd", "en": "Added"},
    "report_fix_close": {"sv": "Stängd", "en": "Closed"},
    "report_fix_category": {"sv": "Ny kategori", "en": "New category"},
    "report_fix_move": {"sv": "Flyttad", "en": "Moved"},
    "report_coverage": {"sv": "Gångavstånd till service", "en": "Walking distance to services"},
    "report_coverage_intro": {
        "sv": "Andelen av ortens byggnader som ligger inom respektive gångavstånd (längs gatunätet) från "
        "närmaste service i kategorin, och medianavståndet.",
        "en": "The share of the locality's buildings within each walking distance along the street network of "
        "the nearest service in the category, and the median distance.",
    },
    "report_coverage_missing": {
        "sv": "Ingen service på orten i kategorierna: {categories}.",
        "en": "No service in the locality in the categories: {categories}.",
    },
    "report_no_coverage": {
        "sv": "Gångavstånden kunde inte beräknas för projektet.",
        "en": "The walking distances could not be computed for the project.",
    },
    "report_plan": {"sv": "Handlingsplan", "en": "Action plan"},
    "report_no_actions": {"sv": "Handlingsplanen är tom ännu.", "en": "The action plan is empty so far."},
    "report_page": {"sv": "Sida", "en": "Page"},
    "report_of": {"sv": "av", "en": "of"},
    "report_table_observations": {"sv": "Observationer", "en": "Observations"},
    "report_table_actions": {"sv": "Handlingsplan", "en": "Action plan"},
    "report_table_services": {"sv": "Service", "en": "Services"},
    "report_table_assessments": {"sv": "Bedömningar", "en": "Assessments"},
    "report_table_coverage": {"sv": "Gångavstånd", "en": "Walking distance"},
    "report_table_comments": {"sv": "Granskningskommentarer", "en": "Review comments"},
    "report_table_area_versions": {"sv": "Områdesversioner", "en": "Area versions"},
    "report_table_stakeholders": {"sv": "Intressenter", "en": "Stakeholders"},
    "report_col_number": {"sv": "Nr", "en": "No."},
    "report_col_observation": {"sv": "Obs.", "en": "Obs."},
    "report_col_walk": {"sv": "Vandring", "en": "Walk"},
    "report_col_focus_area": {"sv": "Fokusområde", "en": "Focus area"},
    "report_col_focus_group": {"sv": "Fokusgrupp", "en": "Focus group"},
    "report_col_participants": {"sv": "Deltagare", "en": "Participants"},
    "report_col_kind": {"sv": "Typ", "en": "Type"},
    "report_col_rating": {"sv": "Bedömning (1–5)", "en": "Judgement (1–5)"},
    "report_col_comment": {"sv": "Kommentar", "en": "Comment"},
    "report_col_state": {"sv": "Granskning", "en": "Review"},
    "report_col_author": {"sv": "Av", "en": "By"},
    "report_col_observed_at": {"sv": "Tidpunkt", "en": "Time"},
    "report_col_photos": {"sv": "Foton", "en": "Photos"},
    "report_col_lon": {"sv": "Longitud", "en": "Longitude"},
    "report_col_lat": {"sv": "Latitud", "en": "Latitude"},
    "report_col_uuid": {"sv": "Observations-id", "en": "Observation id"},
    "report_col_title": {"sv": "Åtgärd", "en": "Action"},
    "report_col_owner": {"sv": "Ansvarig", "en": "Owner"},
    "report_col_priority": {"sv": "Prioritet", "en": "Priority"},
    "report_col_cost": {"sv": "Kostnad (kr)", "en": "Cost (SEK)"},
    "report_col_due": {"sv": "Klart senast", "en": "Due"},
    "report_col_status": {"sv": "Status", "en": "Status"},
    "report_col_category": {"sv": "Kategori", "en": "Category"},
    "report_col_count": {"sv": "Antal", "en": "Count"},
    "report_col_name": {"sv": "Namn", "en": "Name"},
    "report_col_source": {"sv": "Källa", "en": "Source"},
    "report_col_osm_type": {"sv": "OSM-typ", "en": "OSM type"},
    "report_col_osm_id": {"sv": "OSM-id", "en": "OSM id"},
    "report_col_respondent": {"sv": "Deltagare eller grupp", "en": "Participant or group"},
    "report_col_score": {"sv": "Betyg (1–7)", "en": "Score (1–7)"},
    "report_col_services": {"sv": "Antal", "en": "Count"},
    "report_col_median": {"sv": "Median (m)", "en": "Median (m)"},
    "report_col_within": {"sv": "Inom {band} m", "en": "Within {band} m"},
    "report_col_reviewer": {"sv": "Granskare", "en": "Reviewer"},
    "report_col_time": {"sv": "Tid", "en": "Time"},
    "report_col_version": {"sv": "Version", "en": "Version"},
    "report_col_current": {"sv": "Aktuell", "en": "Current"},
    "report_col_area_ha": {"sv": "Yta (ha)", "en": "Area (ha)"},
    "report_written": {
        "sv": "Nulägesanalysen för ”{name}” är skriven till {path} ({size} kB).",
        "en": "The status analysis of “{name}” is written to {path} ({size} kB).",
    },
    "report_is_folder": {"sv": "det är en mapp, inte en fil", "en": "it is a folder, not a file"},
    "report_no_folder": {"sv": "mappen finns inte", "en": "the folder does not exist"},
    "report_no_permission": {"sv": "du får inte skriva där", "en": "you may not write there"},
    "report_disk_full": {"sv": "disken är full", "en": "the disk is full"},
    "report_not_a_file": {"sv": "det är ingen vanlig fil", "en": "it is not an ordinary file"},
    "report_write_failed": {"sv": "filen gick inte att skriva", "en": "the file could not be written"},
    "report_no_pango": {
        "sv": "PDF-rapporten behöver biblioteket Pango, som saknas ({detail}). Installera det med "
        "apt-get install libpango-1.0-0 libpangoft2-1.0-0, eller ta HTML-rapporten i stället.",
        "en": "The PDF report needs the Pango library, which is missing ({detail}). Install it with "
        "apt-get install libpango-1.0-0 libpangoft2-1.0-0, or make the HTML report instead.",
    },
    "report_cannot_write": {
        "sv": "Kan inte skriva ”{path}”: {detail}. Välj en fil i en mapp som finns och där du får skriva.",
        "en": "Cannot write “{path}”: {detail}. Choose a file in a folder that exists and that you may write to.",
    },
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
        "sv": "OSM-filen ”{path}” kunde inte läsas: {reason}. Ladda ned utdraget på nytt.",
        "en": "The OSM file “{path}” could not be read: {reason}. Download the extract again.",
    },
    "overpass_unavailable": {
        "sv": "OpenStreetMap (Overpass, {url}) går inte att nå just nu ({detail}). Kontrollera "
        "nätverket eller importera ett nedladdat OSM-utdrag (.osm/.osm.pbf) i stället.",
        "en": "OpenStreetMap (Overpass, {url}) cannot be reached right now ({detail}). Check the "
        "network or import a downloaded OSM extract (.osm/.osm.pbf) instead.",
    },
    "overpass_needs_area": {
        "sv": "Ange ett område med --area (en gränsfil eller project:ID) för att hämta från Overpass.",
        "en": "Give an area with --area (a boundary file or project:ID) to fetch from Overpass.",
    },
    "services_needs_file": {
        "sv": "Ange en OSM-fil, eller --overpass med --area.",
        "en": "Give an OSM file, or --overpass with --area.",
    },
    "register_too_big": {
        "sv": "Registret är {size_mb} MB, gränsen är {limit_mb} MB.",
        "en": "The register is {size_mb} MB, the limit is {limit_mb} MB.",
    },
    "register_unreadable": {
        "sv": "Registret ”{name}” kunde inte läsas: {reason}.",
        "en": "The register “{name}” could not be read: {reason}.",
    },
    "register_unsupported": {
        "sv": "”{name}” stöds inte. Använd CSV, XLSX eller GeoPackage.",
        "en": "“{name}” is not supported. Use CSV, XLSX or GeoPackage.",
    },
    "obs_bad_uuid": {
        "sv": "”{value}” är inget giltigt observations-id (uuid).",
        "en": "“{value}” is not a valid observation id (uuid).",
    },
    "obs_uuid_taken": {
        "sv": "Observations-id {uuid} hör till ett annat projekt.",
        "en": "Observation id {uuid} belongs to another project.",
    },
    "obs_focus_missing": {"sv": "Välj ett fokusområde.", "en": "Choose a focus area."},
    "obs_kind_missing": {"sv": "Välj typ: styrka, utmaning eller idé.", "en": "Choose a type: strength, challenge or idea."},
    "obs_bad_rating": {"sv": "Bedömningen ska vara 1–5 (inte {value}).", "en": "The judgement must be 1–5 (not {value})."},
    "obs_position_missing": {
        "sv": "Positionen saknas. Använd GPS, tryck på kartan eller lägg till ett foto med position.",
        "en": "The position is missing. Use GPS, tap the map or add a photo that has a position.",
    },
    "obs_bad_position": {
        "sv": "Positionen {lon}, {lat} är inte en longitud och latitud i WGS 84.",
        "en": "The position {lon}, {lat} is not a WGS 84 longitude and latitude.",
    },
    "obs_comment_too_long": {
        "sv": "Kommentaren är för lång (högst {limit} tecken).",
        "en": "The comment is too long (at most {limit} characters).",
    },
    "obs_bad_time": {"sv": "Tiden ”{value}” är ingen tid med tidszon.", "en": "“{value}” is not a time with a time zone."},
    "review_no_author": {"sv": "Skriv ditt namn som granskare.", "en": "Give your name as reviewer."},
    "review_bad_comment": {
        "sv": "Skriv en kommentar (högst {limit} tecken).",
        "en": "Write a comment (at most {limit} characters).",
    },
    "action_no_title": {"sv": "Åtgärden behöver en rubrik.", "en": "The action needs a title."},
    "action_bad_cost": {"sv": "Kostnaden ”{value}” är inte ett belopp i kronor.", "en": "The cost “{value}” is not an amount in SEK."},
    "action_needs_accepted": {
        "sv": "Bara en godtagen observation kan bli en åtgärd. Sätt den som godtagen först.",
        "en": "Only an accepted observation can become an action. Accept it first.",
    },
    "action_not_found": {"sv": "Åtgärden {ref} finns inte i projektet.", "en": "Action {ref} is not in the project."},
    "process_not_started": {"sv": "Ange först när processen startar.", "en": "Set the process's start first."},
    "task_no_title": {"sv": "Uppgiften behöver en text.", "en": "The task needs a text."},
    "task_not_found": {"sv": "Uppgiften {ref} finns inte i projektet.", "en": "Task {ref} is not in the project."},
    "meeting_no_decisions": {"sv": "Skriv vad mötet beslutade.", "en": "Write what the meeting decided."},
    "obs_not_found": {"sv": "Observationen {ref} finns inte.", "en": "Observation {ref} does not exist."},
    "walk_not_found": {"sv": "Vandringen {ref} finns inte i projektet.", "en": "Walk {ref} is not in the project."},
    "walk_bad_route": {"sv": "Rutten ska vara en linje.", "en": "The route must be a line."},
    "assessment_no_respondent": {
        "sv": "Skriv vem som bedömer (deltagare eller grupp).",
        "en": "Say who is scoring (participant or group).",
    },
    "assessment_incomplete": {"sv": "Ge alla fem fokusområden ett betyg.", "en": "Score all five focus areas."},
    "assessment_bad_score": {"sv": "Betyget ska vara 1–7 (inte {value}).", "en": "The score must be 1–7 (not {value})."},
    "photo_too_big": {
        "sv": "Fotot ”{name}” är {size_mb} MB, gränsen är {limit_mb} MB.",
        "en": "The photo “{name}” is {size_mb} MB, the limit is {limit_mb} MB.",
    },
    "photo_unreadable": {
        "sv": "”{name}” kunde inte läsas som ett foto (JPEG och PNG; HEIC stöds inte än).",
        "en": "“{name}” could not be read as a photo (JPEG, PNG; HEIC is not supported yet).",
    },
    "photo_not_found": {"sv": "Fotot {ref} finns inte i projektet.", "en": "Photo {ref} is not in the project."},
    "register_no_column": {
        "sv": "Kolumnen ”{column}” finns inte i registret. Kolumnerna är: {columns}.",
        "en": "The register has no column “{column}”. Its columns are: {columns}.",
    },
    "register_rows_failed": {
        "sv": "{count} rader har fel (se ovan). Inget importerades; rätta raderna och försök igen.",
        "en": "{count} rows have errors (see above). Nothing was imported; fix the rows and try again.",
    },
    "crs_unknown": {
        "sv": "Koordinatsystemet ”{crs}” är okänt. Ange t.ex. EPSG:3006 (SWEREF 99 TM) eller EPSG:4326 (WGS 84).",
        "en": "The coordinate system “{crs}” is unknown. Give e.g. EPSG:3006 (SWEREF 99 TM) or EPSG:4326 (WGS 84).",
    },
    "register_no_name": {"sv": "Namn saknas.", "en": "The name is missing."},
    "register_unknown_type": {
        "sv": "Typen ”{type}” har ingen kategori. Välj en kategori för den (eller Hoppa över).",
        "en": "The type “{type}” has no category. Choose one for it (or Skip).",
    },
    "register_bad_coordinates": {
        "sv": "Koordinaterna saknas eller är ogiltiga.",
        "en": "The coordinates are missing or invalid.",
    },
    "correction_needs_point": {
        "sv": "Ange var tjänsten ligger (en punkt på kartan).",
        "en": "Give where the service is (a point on the map).",
    },
    "correction_needs_service": {
        "sv": "Välj vilken tjänst rättelsen gäller.",
        "en": "Choose which service the correction is for.",
    },
    "project_has_no_osm": {
        "sv": "Projektet ”{name}” har inga OSM-data. Skapa det med ett OSM-utdrag för orten.",
        "en": "The project “{name}” has no OSM data. Create it with an OSM extract of the locality.",
    },
    "population_too_big": {
        "sv": "Befolkningsfilen är {size_mb} MB, gränsen är {limit_mb} MB. Använd bara rutorna kring orten.",
        "en": "The population file is {size_mb} MB, the limit is {limit_mb} MB. Use only the cells around the locality.",
    },
    "population_unreadable": {
        "sv": "Befolkningsfilen ”{name}” kunde inte läsas: {reason}.",
        "en": "The population file “{name}” could not be read: {reason}.",
    },
    "population_unsupported": {
        "sv": "”{name}” stöds inte. Använd GeoPackage, GeoJSON eller CSV med koordinater och befolkning.",
        "en": "“{name}” is not supported. Use GeoPackage, GeoJSON or CSV with coordinates and population.",
    },
    "population_column_missing": {
        "sv": "Kolumnen ”{column}” finns inte. Sifferkolumner i filen: {choices}.",
        "en": "There is no column “{column}”. Numeric columns in the file: {choices}.",
    },
    "population_column_unknown": {
        "sv": "Hittar ingen befolkningskolumn. Välj en av filens sifferkolumner: {choices}.",
        "en": "No population column found. Choose one of the file's numeric columns: {choices}.",
    },
    "population_no_coordinates": {
        "sv": "CSV-filen saknar koordinatkolumner (x och y, eller lon och lat). Kolumner: {columns}.",
        "en": "The CSV file has no coordinate columns (x and y, or lon and lat). Columns: {columns}.",
    },
    "population_no_crs": {
        "sv": "Koordinaterna är i meter men filen säger inte vilket koordinatsystem. Ange det (t.ex. EPSG:3006).",
        "en": "The coordinates are in metres but the file does not say which coordinate system. Give it (e.g. EPSG:3006).",
    },
    "population_bad_rows": {
        "sv": "{count} rader saknar koordinater eller har ogiltig befolkning (rad {rows}). Inget importerades.",
        "en": "{count} rows lack coordinates or have an invalid population (row {rows}). Nothing was imported.",
    },
    "population_empty": {
        "sv": "Befolkningsfilen ”{name}” innehåller inga rutor.",
        "en": "The population file “{name}” holds no cells.",
    },
    "no_walkable_network": {
        "sv": "Utdraget har inga gångbara vägar, så gångavstånd kan inte beräknas. Använd ett "
        "utdrag som täcker ortens gator.",
        "en": "The extract has no walkable ways, so walking distances cannot be computed. Use an "
        "extract that covers the locality's streets.",
    },
    "bad_bands": {
        "sv": "Avståndsbanden ”{bands}” är ogiltiga. Ange positiva meter med komma emellan, t.ex. 400,800,1200.",
        "en": "The distance bands “{bands}” are invalid. Give positive metres separated by commas, e.g. 400,800,1200.",
    },
    "bad_categories": {
        "sv": "Okända kategorier: {unknown}. Välj bland: {choices}.",
        "en": "Unknown categories: {unknown}. Choose from: {choices}.",
    },
    "osm_extract_missing": {
        "sv": "OSM-utdraget för ”{name}” saknas i databasen. Skapa projektet på nytt med utdraget.",
        "en": "The OSM extract of “{name}” is missing from the database. Create the project again "
        "with the extract.",
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
    "project_has_no_area": {
        "sv": "Projektet ”{name}” har inget avgränsat område ännu. Ange en områdesfil i stället.",
        "en": "The project “{name}” has no area yet. Give an area file instead.",
    },
    "database_unavailable": {
        "sv": "Databasen {url} svarar inte. Kontrollera att databasservern är igång och att adressen, "
        "användaren och lösenordet i BIDGEO_DATABASE_URL (eller --db) stämmer.",
        "en": "The database {url} does not answer. Check that the database server is running and that the "
        "address, user and password in BIDGEO_DATABASE_URL (or --db) are right.",
    },
    "demo_data_missing": {
        "sv": "Demodata saknas ({path}). Hämta om projektets filer (data/demo/).",
        "en": "The demo data is missing ({path}). Check out the project's files again "
        "(data/demo/).",
    },
    # --- many users at once: conflicting edits, backup and restore -----------------------
    "obs_conflict": {
        "sv": "Någon annan ändrade observationen {when} ({author}) medan du ändrade den. Dina ändringar "
        "sparades inte, så inget skrevs över: ladda den sparade versionen och gör om dina ändringar.",
        "en": "Someone else changed the observation at {when} ({author}) while you were changing it. "
        "Your changes were not saved, so nothing was overwritten: load the saved version and make "
        "your changes again.",
    },
    "obs_conflict_anonymous": {
        "sv": "Någon annan ändrade observationen {when} medan du ändrade den. Dina ändringar sparades "
        "inte, så inget skrevs över: ladda den sparade versionen och gör om dina ändringar.",
        "en": "Someone else changed the observation at {when} while you were changing it. Your "
        "changes were not saved, so nothing was overwritten: load the saved version and make your "
        "changes again.",
    },
    "obs_reload": {"sv": "Ladda den sparade versionen", "en": "Load the saved version"},
    "kit_zip_unpack": {
        "sv": "Zip-filen ”{name}” kunde inte packas upp som en mapp ({member}) och lästes inte.",
        "en": "The zip “{name}” could not be unpacked as a folder ({member}) and was not read.",
    },
    "backup_exists": {
        "sv": "Filen {path} finns redan. Välj ett annat namn, eller skriv över den med --force.",
        "en": "The file {path} already exists. Choose another name, or overwrite it with --force.",
    },
    "backup_cannot_write": {
        "sv": "Säkerhetskopian kunde inte skrivas till {path} ({detail}).",
        "en": "The backup could not be written to {path} ({detail}).",
    },
    "backup_is_folder": {
        "sv": "{path} är en mapp. Ange ett filnamn för säkerhetskopian.",
        "en": "{path} is a folder. Give a file name for the backup.",
    },
    "backup_no_folder": {
        "sv": "Mappen för {path} finns inte. Skapa den eller välj en annan plats.",
        "en": "The folder of {path} does not exist. Create it or choose another place.",
    },
    "backup_is_database": {
        "sv": "{path} är själva databasen. Ange en annan fil.",
        "en": "{path} is the database itself. Give another file.",
    },
    "backup_memory": {
        "sv": "En databas som bara finns i minnet kan inte säkerhetskopieras eller återställas.",
        "en": "A database that lives only in memory cannot be backed up or restored.",
    },
    "backup_written": {
        "sv": "Säkerhetskopian är skriven till {path} ({size} MB): {projects} projekt, {observations} "
        "observationer, {photos} foton, {rows} rader i alla tabeller.",
        "en": "The backup is written to {path} ({size} MB): {projects} projects, {observations} "
        "observations, {photos} photos, {rows} rows in all tables.",
    },
    "restore_missing": {
        "sv": "Säkerhetskopian {path} finns inte. Kontrollera sökvägen.",
        "en": "The backup {path} does not exist. Check the path.",
    },
    "restore_unreadable": {
        "sv": "Säkerhetskopian {path} kunde inte läsas ({detail}).",
        "en": "The backup {path} could not be read ({detail}).",
    },
    "restore_not_backup": {
        "sv": "{path} är ingen säkerhetskopia från bidgeo. Ange en fil som ”bidgeo backup” har skrivit.",
        "en": "{path} is not a bidgeo backup. Give a file that “bidgeo backup” wrote.",
    },
    "restore_pg_dump": {
        "sv": "{path} är ett arkiv från pg_dump och kan bara läsas tillbaka i PostgreSQL. Ange en "
        "PostgreSQL-databas med --db, eller gör en säkerhetskopia i bidgeos eget format (utan --format pg_dump).",
        "en": "{path} is a pg_dump archive and can only be read back into PostgreSQL. Give a PostgreSQL "
        "database with --db, or make a backup in bidgeo's own format (without --format pg_dump).",
    },
    "restore_pg_dump_schema": {
        "sv": "{path} är en dump av schemat {dumped}, men databasen använder schemat {schema}. pg_restore läser "
        "bara tillbaka i samma schema; flytta mellan scheman med bidgeos eget format (utan --format pg_dump).",
        "en": "{path} is a dump of the schema {dumped}, but the database uses the schema {schema}. pg_restore "
        "only restores into the same schema; move between schemas with bidgeo's own format (without "
        "--format pg_dump).",
    },
    "backup_pg_dump_postgres_only": {
        "sv": "--format pg_dump går bara med en PostgreSQL-databas. Den inbyggda SQLite-databasen säkerhetskopieras "
        "utan --format.",
        "en": "--format pg_dump only works with a PostgreSQL database. The embedded SQLite database is backed up "
        "without --format.",
    },
    "backup_no_pg_tool": {
        "sv": "Programmet {tool} finns inte. Installera PostgreSQL-klienten i samma huvudversion som servern "
        "(t.ex. apt-get install postgresql-client-15), eller säkerhetskopiera utan --format pg_dump.",
        "en": "The program {tool} is missing. Install the PostgreSQL client of the server's major version "
        "(e.g. apt-get install postgresql-client-15), or back up without --format pg_dump.",
    },
    "backup_pg_failed": {
        "sv": "{tool} misslyckades: {detail}",
        "en": "{tool} failed: {detail}",
    },
    "restore_damaged": {
        "sv": "Säkerhetskopian {path} är skadad ({detail}) och återställdes inte.",
        "en": "The backup {path} is damaged ({detail}) and was not restored.",
    },
    "restore_too_new": {
        "sv": "Säkerhetskopian {path} är gjord av en nyare bidgeo (schemaversion {revision}). Uppdatera "
        "bidgeo och försök igen.",
        "en": "The backup {path} was made by a newer bidgeo (schema version {revision}). Update bidgeo "
        "and try again.",
    },
    "restore_is_database": {
        "sv": "{path} är själva databasen som skulle återställas. Ange säkerhetskopian.",
        "en": "{path} is the very database to restore into. Give the backup.",
    },
    "restore_not_empty": {
        "sv": "Databasen {url} innehåller redan data ({rows} rader, {projects} projekt). Återställningen "
        "ersätter allt i den; kör igen med --force om det är meningen.",
        "en": "The database {url} already holds data ({rows} rows, {projects} projects). The restore "
        "replaces all of it; run again with --force if that is what you want.",
    },
    "restore_failed": {
        "sv": "Säkerhetskopian kunde inte läsas in, och databasen är oförändrad ({detail}).",
        "en": "The backup could not be read in, and the database is unchanged ({detail}).",
    },
    "restore_done": {
        "sv": "Återställt från {path}: {projects} projekt, {observations} observationer, {photos} foton, "
        "{rows} rader i alla tabeller.",
        "en": "Restored from {path}: {projects} projects, {observations} observations, {photos} photos, "
        "{rows} rows in all tables.",
    },
    # --- boundary checks (codes of shared/spec/cli.md) ----------------------------------
    "area_unreadable": {
        "sv": "Filen ”{name}” kunde inte läsas: {reason}. Spara området på nytt som GeoJSON, KML, "
        "GeoPackage eller zippad Shapefile och försök igen.",
        "en": "The file “{name}” could not be read: {reason}. Save the area again as GeoJSON, KML, "
        "GeoPackage or zipped Shapefile and try again.",
    },
    # --- unreadable and hostile files (issue 13) ----------------------------------------
    "area_too_complex": {
        "sv": "Gränsen har {vertices} hörn, fler än de {limit} som kan kontrolleras. Förenkla den i ett "
        "GIS-program och försök igen.",
        "en": "The boundary has {vertices} corners, more than the {limit} that can be checked. Simplify it "
        "in a GIS program and try again.",
    },
    "area_too_many_rings": {
        "sv": "Gränsen består av {rings} ringar (delar och hål), fler än de {limit} ett BID-område kan ha. "
        "Välj en fil med bara områdets gräns.",
        "en": "The boundary is made of {rings} rings (parts and holes), more than the {limit} a BID area can "
        "have. Choose a file with only the area's boundary.",
    },
    "crs_not_horizontal": {
        "sv": "Koordinatsystemet ”{crs}” är inget tvådimensionellt kartkoordinatsystem. Ange t.ex. EPSG:3006 "
        "(SWEREF 99 TM) eller EPSG:4326 (WGS 84).",
        "en": "The coordinate system “{crs}” is not a horizontal 2D one. Give e.g. EPSG:3006 (SWEREF 99 TM) or "
        "EPSG:4326 (WGS 84).",
    },
    "register_name_too_long": {"sv": "Namnet är längre än {limit} tecken.",
                               "en": "The name is longer than {limit} characters."},
    "reason_not_sqlite": {"sv": "den är ingen GeoPackage (ingen SQLite-databas)",
                          "en": "it is not a GeoPackage (not an SQLite database)"},
    "reason_not_gpkg": {"sv": "databasen är ingen GeoPackage (tabellen gpkg_contents saknas)",
                        "en": "the database is not a GeoPackage (it has no gpkg_contents table)"},
    "reason_damaged": {"sv": "den är skadad eller i ett format som inte stöds",
                       "en": "it is damaged or in a format that is not supported"},
    "reason_gpkg_view": {"sv": "den innehåller vyn ”{object}”, och vyer läses inte av säkerhetsskäl",
                         "en": "it holds the view “{object}”, and views are not read, for safety"},
    "reason_gpkg_trigger": {"sv": "den innehåller triggern ”{object}”, som en GeoPackage inte behöver",
                            "en": "it holds the trigger “{object}”, which a GeoPackage does not need"},
    "reason_gpkg_virtual": {"sv": "den innehåller den virtuella tabellen ”{object}”, som en GeoPackage inte behöver",
                            "en": "it holds the virtual table “{object}”, which a GeoPackage does not need"},
    "reason_gpkg_missing_table": {"sv": "lagret ”{object}” finns inte som tabell",
                                  "en": "its layer “{object}” is not a table"},
    "reason_too_many_features": {"sv": "den har fler än {limit} objekt", "en": "it has more than {limit} features"},
    "reason_too_many_rows": {"sv": "den har fler än {limit} rader", "en": "it has more than {limit} rows"},
    "reason_too_many_columns": {"sv": "den har {count} kolumner, högst {limit} läses",
                                "en": "it has {count} columns, at most {limit} are read"},
    "reason_too_slow": {"sv": "att läsa den tog mer än {seconds} sekunder",
                        "en": "reading it took more than {seconds} seconds"},
    "reason_too_much_memory": {"sv": "att läsa den krävde mer än {limit_mb} MB minne",
                               "en": "reading it needed more than {limit_mb} MB of memory"},
    "reason_not_utf8": {"sv": "texten är inte UTF-8", "en": "its text is not UTF-8"},
    "reason_json": {"sv": "den är ingen giltig JSON", "en": "it is not valid JSON"},
    "reason_too_deep": {"sv": "den är nästlad i fler än {limit} nivåer", "en": "it is nested more than {limit} levels deep"},
    "reason_not_geojson": {"sv": "den är ingen GeoJSON (typen saknas eller är okänd)",
                           "en": "it is not GeoJSON (its type is missing or unknown)"},
    "reason_features": {"sv": "”features” är ingen lista", "en": "“features” is not a list"},
    "reason_not_geometry": {"sv": "en geometri är inget JSON-objekt", "en": "a geometry is not a JSON object"},
    "reason_geometry_type": {"sv": "geometritypen {value} är okänd", "en": "the geometry type {value} is unknown"},
    "reason_nesting": {"sv": "koordinaterna är inte nästlade listor som GeoJSON kräver",
                       "en": "the coordinates are not nested lists as GeoJSON requires"},
    "reason_position": {"sv": "en position behöver minst två tal (longitud och latitud)",
                        "en": "a position needs at least two numbers (longitude and latitude)"},
    "reason_not_a_number": {"sv": "koordinaten {value} är inget ändligt tal", "en": "the coordinate {value} is not a finite number"},
    "reason_crs_unknown": {"sv": "koordinatsystemet {value} är okänt", "en": "the coordinate system {value} is unknown"},
    "reason_crs_not_horizontal": {
        "sv": "koordinatsystemet ”{value}” är inget tvådimensionellt kartkoordinatsystem (en gräns behöver t.ex. "
        "SWEREF 99 TM eller WGS 84)",
        "en": "the coordinate system “{value}” is not a horizontal 2D one (a boundary needs e.g. SWEREF 99 TM or "
        "WGS 84)",
    },
    "reason_xml": {"sv": "den är ingen välformad XML", "en": "it is not well-formed XML"},
    "reason_xml_entities": {"sv": "den använder DTD:er eller entiteter, som inte läses av säkerhetsskäl",
                            "en": "it uses DTDs or entities, which are not read, for safety"},
    "reason_kml_coordinates": {
        "sv": "KML-koordinaterna är inte par eller tripplar av tal (longitud,latitud[,höjd])",
        "en": "the KML coordinates are not pairs or triples of numbers (longitude,latitude[,height])",
    },
    "reason_not_zip": {"sv": "den är ingen zip-fil", "en": "it is not a zip file"},
    "reason_zip_damaged": {"sv": "zip-filen är skadad, krypterad eller komprimerad på ett sätt som inte stöds",
                           "en": "the zip file is damaged, encrypted or compressed in a way that is not supported"},
    "reason_zip_members": {"sv": "zip-filen har {count} filer, högst {limit} läses",
                           "en": "the zip file has {count} files, at most {limit} are read"},
    "reason_zip_path": {"sv": "zip-filen innehåller en osäker sökväg ”{member}”",
                        "en": "the zip file holds an unsafe path “{member}”"},
    "reason_kmz_no_kml": {"sv": "KMZ-filen innehåller ingen .kml-fil", "en": "the KMZ file holds no .kml file"},
    "reason_zip_no_shp": {"sv": "zip-filen innehåller ingen .shp-fil", "en": "the zip file holds no .shp file"},
    "reason_csv": {"sv": "den är ingen tabell med kolumner åtskilda av komma, semikolon eller tabb",
                   "en": "it is not a table with columns separated by commas, semicolons or tabs"},
    "reason_xlsx": {"sv": "den är ingen Excel-arbetsbok (XLSX)", "en": "it is not an Excel workbook (XLSX)"},
    "reason_cannot_open": {"sv": "filen finns inte eller går inte att öppna",
                           "en": "the file does not exist or cannot be opened"},
    "reason_osm": {"sv": "den är skadad, avkortad eller inga OSM-data",
                   "en": "it is damaged, cut short or no OSM data"},
    "reason_osm_inflates": {"sv": "den packas upp till mer än {ratio} gånger sin storlek, vilket inget OSM-utdrag gör",
                            "en": "it unpacks to more than {ratio} times its size, which no OSM extract does"},
    "area_unsupported_format": {
        "sv": "Filtypen för ”{name}” stöds inte. Använd något av: {formats}.",
        "en": "The file type of “{name}” is not supported. Use one of: {formats}.",
    },
    "area_too_big_file": {
        "sv": "Filen är för stor ({size_mb} MB, gränsen är {limit_mb} MB). Ett BID-område "
        "behöver sällan så mycket data: förenkla gränsen eller spara bara områdets polygon.",
        "en": "The file is too big ({size_mb} MB, the limit is {limit_mb} MB). A BID area "
        "rarely needs that much data: simplify the boundary or save only the area's polygon.",
    },
    "area_empty": {
        "sv": "Filen innehåller ingen geometri. Rita området eller välj en fil med områdets polygon.",
        "en": "The file holds no geometry. Draw the area or choose a file with the area's polygon.",
    },
    "area_not_polygon": {
        "sv": "Filen innehåller bara punkter eller linjer, ingen yta. Ett BID-område måste "
        "vara en polygon: rita gränsen runt hela området.",
        "en": "The file holds only points or lines, no area. A BID area must be a polygon: "
        "draw the boundary around the whole area.",
    },
    "area_too_few_points": {
        "sv": "Gränsen har för få hörn: en yta behöver minst tre olika punkter. Rita om gränsen.",
        "en": "The boundary has too few corners: an area needs at least three different "
        "points. Draw the boundary again.",
    },
    "area_unclosed_ring": {
        "sv": "Gränsen är inte sluten: sista punkten är inte densamma som den första. Stäng "
        "gränsen i ditt GIS-program eller rita den här.",
        "en": "The boundary is not closed: its last point is not the same as its first. Close "
        "it in your GIS program or draw it here.",
    },
    "area_self_intersection": {
        "sv": "Gränsen korsar sig själv vid {lat} N, {lon} E (korsningar: {count}, markerade "
        "på kartan). Flytta hörnen så att linjerna inte korsas, eller använd ”Reparera”.",
        "en": "The boundary crosses itself at {lat} N, {lon} E (crossings: {count}, marked on "
        "the map). Move the corners so the lines do not cross, or use “Repair”.",
    },
    "area_out_of_range": {
        "sv": "Koordinaterna ligger utanför jordklotet i {crs}. Kontrollera filens "
        "koordinatsystem.",
        "en": "The coordinates lie outside the globe in {crs}. Check the file's coordinate "
        "system.",
    },
    "area_swapped_axes": {
        "sv": "Latitud och longitud verkar ha bytt plats (mitten hamnar på {x}, {y}). Byt "
        "ordning så att longitud (öst) kommer först och spara igen.",
        "en": "Latitude and longitude seem swapped (the centre falls at {x}, {y}). Put "
        "longitude (east) first and save again.",
    },
    "area_projected_without_crs": {
        "sv": "Koordinaterna är i meter ({x}, {y}) men filen säger inte vilket "
        "koordinatsystem de hör till. Spara filen med koordinatsystem (t.ex. SWEREF 99 TM, "
        "EPSG:3006) eller som WGS 84.",
        "en": "The coordinates are in metres ({x}, {y}) but the file does not say which "
        "coordinate system they belong to. Save it with its CRS (e.g. SWEREF 99 TM, "
        "EPSG:3006) or as WGS 84.",
    },
    "area_too_large": {
        "sv": "Området är {km2} km², mer än 100 km². Ett BID-område är ett ortscentrum: rita "
        "en snävare gräns.",
        "en": "The area is {km2} km², more than 100 km². A BID area is a village centre: draw a "
        "tighter boundary.",
    },
    "area_outside_sweden": {
        "sv": "Området ligger utanför Sverige. Stämmer det?",
        "en": "The area lies outside Sweden. Is that right?",
    },
    "area_large_area": {
        "sv": "Området är stort för ett BID-centrum ({km2} km²). Överväg en snävare gräns.",
        "en": "The area is large for a BID centre ({km2} km²). Consider a tighter boundary.",
    },
    "area_small_area": {
        "sv": "Området är litet ({m2} m², under 0,5 ha). Kontrollera att hela centrum är med.",
        "en": "The area is small ({m2} m², under 0.5 ha). Check that the whole centre is included.",
    },
    "area_multipart": {
        "sv": "Området består av {parts} separata delar. Kontrollera att det är avsikten.",
        "en": "The area consists of {parts} separate parts. Check that this is intended.",
    },
    "area_simplified": {
        "sv": "Gränsen hade {before} hörn och har förenklats till {after} (tolerans {tolerance_m} m).",
        "en": "The boundary had {before} corners and was simplified to {after} (tolerance "
        "{tolerance_m} m).",
    },
    "area_has_z": {
        "sv": "Filen har höjdvärden (3D). De används inte och har tagits bort.",
        "en": "The file has height values (3D). They are not used and were dropped.",
    },
    "area_ignored_non_polygons": {
        "sv": "{count} punkter eller linjer i filen är inte en del av området och används inte.",
        "en": "{count} points or lines in the file are not part of the area and are not used.",
    },
    # --- area versions and stakeholders: errors ---------------------------------------
    "area_version_not_found": {
        "sv": "Områdesversion {number} finns inte i projektet.",
        "en": "Area version {number} does not exist in the project.",
    },
    "bad_area_status": {
        "sv": "Okänd status ”{status}”. Välj en av: {choices}.",
        "en": "Unknown status “{status}”. Choose one of: {choices}.",
    },
    "approver_required": {
        "sv": "Ange vem i styrgruppen som godkänner versionen.",
        "en": "Enter who in the steering group approves the version.",
    },
    "stakeholder_name_required": {
        "sv": "Ange intressentens namn.",
        "en": "Enter the stakeholder's name.",
    },
    "stakeholder_not_found": {
        "sv": "Intressent {id} finns inte i projektet.",
        "en": "Stakeholder {id} does not exist in the project.",
    },
    "bad_choice": {
        "sv": "Ogiltigt värde ”{value}” för {field}. Välj en av: {choices}.",
        "en": "Invalid value “{value}” for {field}. Choose one of: {choices}.",
    },
    "bad_email": {
        "sv": "”{email}” ser inte ut som en e-postadress.",
        "en": "“{email}” does not look like an e-mail address.",
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
    "cli_services_saved": {
        "sv": "{count} servicepunkter sparades som den senaste importen i ”{name}”.",
        "en": "{count} service points were saved as the newest import of “{name}”.",
    },
    # --- walk-kit: the offline field kit (bidgeo/walk_kit.py) ----------------------------
    "kit_layer_observations": {"sv": "Observationer", "en": "Observations"},
    "kit_layer_services": {"sv": "Servicepunkter", "en": "Service points"},
    "kit_layer_area": {"sv": "BID-område", "en": "BID area"},
    "kit_field_uuid": {"sv": "Observations-id", "en": "Observation id"},
    "kit_field_focus_area": {"sv": "Fokusområde", "en": "Focus area"},
    "kit_field_kind": {"sv": "Typ", "en": "Type"},
    "kit_field_rating": {"sv": "Bedömning (1–5)", "en": "Judgement (1–5)"},
    "kit_field_comment": {"sv": "Kommentar", "en": "Comment"},
    "kit_field_photo": {"sv": "Foto", "en": "Photo"},
    "kit_field_photo_2": {"sv": "Foto 2", "en": "Photo 2"},
    "kit_field_observed_at": {"sv": "Tidpunkt", "en": "Time"},
    "kit_field_author": {"sv": "Ditt namn", "en": "Your name"},
    "kit_field_category": {"sv": "Kategori (nyckel)", "en": "Category (key)"},
    "kit_field_category_label": {"sv": "Kategori", "en": "Category"},
    "kit_field_name": {"sv": "Namn", "en": "Name"},
    "kit_rating_range": {"sv": "Bedömning från 1 till 5", "en": "Judgement from 1 to 5"},
    "kit_upload_format": {
        "sv": "”{name}” är inget fältkit. Ladda upp kitets .gpkg, eller en .zip av kitets mapp med foton.",
        "en": "“{name}” is not a field kit. Upload the kit's .gpkg, or a .zip of the kit's folder with photos.",
    },
    "kit_zip_too_big": {"sv": "Zip-filen ”{name}” är för stor eller har för många filer.", "en": "The zip “{name}” is too big or has too many files."},
    "kit_zip_unsafe": {
        "sv": "Zip-filen ”{name}” har en fil utanför mappen ({member}) och lästes inte.",
        "en": "The zip “{name}” has a file outside its folder ({member}) and was not read.",
    },
    "kit_zip_gpkgs": {
        "sv": "Zip-filen ”{name}” ska ha exakt en GeoPackage (.gpkg), den har {count}.",
        "en": "The zip “{name}” must hold exactly one GeoPackage (.gpkg); it has {count}.",
    },
    "kit_needs_gpkg": {
        "sv": "Fältkitet sparas som en GeoPackage: ge ett filnamn som slutar på .gpkg (inte ”{name}”).",
        "en": "The field kit is saved as a GeoPackage: give a file name ending in .gpkg (not “{name}”).",
    },
    "kit_exists": {
        "sv": "”{name}” finns redan. Välj ett annat filnamn, eller skriv över med --force (ett ifyllt kit går då förlorat).",
        "en": "“{name}” already exists. Choose another file name, or overwrite with --force (a filled kit is then lost).",
    },
    "kit_no_area": {
        "sv": "Projektet ”{name}” har inget aktuellt område, så kitet får inget områdeslager.",
        "en": "The project “{name}” has no current area, so the kit has no area layer.",
    },
    "kit_exported": {
        "sv": "Fältkitet är skrivet: {gpkg} ({services} servicepunkter) och projektfilen {qgs}. Kopiera båda "
        "till samma mapp i QField eller Mergin Maps och öppna projektfilen.",
        "en": "The field kit is written: {gpkg} ({services} service points) and the project file {qgs}. Copy "
        "both to the same folder in QField or Mergin Maps and open the project file.",
    },
    "kit_not_found": {"sv": "Filen ”{name}” finns inte.", "en": "The file “{name}” does not exist."},
    "kit_not_gpkg": {
        "sv": "”{name}” kunde inte läsas som en GeoPackage. Välj fältkitets .gpkg-fil.",
        "en": "“{name}” could not be read as a GeoPackage. Choose the field kit's .gpkg file.",
    },
    "kit_no_layer": {
        "sv": "”{name}” har inget lager ”{layer}” (lagren är: {layers}). Är det ett fältkit från bidgeo walk-kit export?",
        "en": "“{name}” has no layer “{layer}” (its layers are: {layers}). Is it a field kit from bidgeo walk-kit export?",
    },
    "kit_no_column": {
        "sv": "Lagret ”{layer}” i ”{name}” saknar kolumnerna {columns}.",
        "en": "The layer “{layer}” in “{name}” lacks the columns {columns}.",
    },
    "kit_no_uuid": {
        "sv": "Observations-id (uuid) saknas, så raden kan inte importeras.",
        "en": "The observation id (uuid) is missing, so the row cannot be imported.",
    },
    "kit_uuid_repeats": {
        "sv": "Observations-id {uuid} finns redan på rad {first}; bara den första raden importeras.",
        "en": "Observation id {uuid} already appears on row {first}; only the first row is imported.",
    },
    "kit_no_position": {
        "sv": "Punkten saknar position (ingen geometri).",
        "en": "The point has no position (no geometry).",
    },
    "kit_not_point": {
        "sv": "Geometrin är en {kind}, inte en punkt.",
        "en": "The geometry is a {kind}, not a point.",
    },
    "kit_photo_outside": {
        "sv": "Fotot ”{path}” ligger utanför kitets mapp och lästes inte (observationen importerades).",
        "en": "The photo “{path}” lies outside the kit's folder and was not read (the observation was imported).",
    },
    "kit_photo_missing": {
        "sv": "Fotot ”{path}” finns inte i kitets mapp (observationen importerades utan det).",
        "en": "The photo “{path}” is not in the kit's folder (the observation was imported without it).",
    },
    "kit_focus_group": {"sv": "Fältkit {name}", "en": "Field kit {name}"},
    "kit_walk_created": {
        "sv": "Projektet hade ingen vandring, så vandring {id} skapades ({date}, ”{focus_group}”).",
        "en": "The project had no walk, so walk {id} was created ({date}, “{focus_group}”).",
    },
    "kit_walk_used": {
        "sv": "Nya observationer sparas i vandring {id} ({date}).",
        "en": "New observations are saved in walk {id} ({date}).",
    },
    "kit_import_summary": {
        "sv": "{imported} importerade, {updated} uppdaterade, {skipped} oförändrade, {errors} fel",
        "en": "{imported} imported, {updated} updated, {skipped} unchanged, {errors} errors",
    },
    "kit_import_deleted": {
        "sv": "{count} observationer är borttagna i bidgeo och återskapades inte.",
        "en": "{count} observations are deleted in bidgeo and were not restored.",
    },
    "cli_interrupted": {"sv": "Avbrutet.", "en": "Interrupted."},
    "cli_area_measures": {
        "sv": "Yta {ha} ha ({m2} m²), omkrets {perimeter} m, {vertices} hörn (SWEREF 99 TM).",
        "en": "Area {ha} ha ({m2} m²), perimeter {perimeter} m, {vertices} vertices (SWEREF 99 TM).",
    },
    "cli_area_valid": {"sv": "Gränsen är giltig.", "en": "The boundary is valid."},
    "cli_area_invalid": {"sv": "Gränsen är inte giltig.", "en": "The boundary is not valid."},
    "cli_area_saved": {
        "sv": "Version {number} av området för ”{name}” är sparad ({ha} ha) och är nu aktuell.",
        "en": "Version {number} of the area of “{name}” is saved ({ha} ha) and is now current.",
    },
    "cli_nothing_to_repair": {
        "sv": "Det finns ingen gräns att reparera: filen kunde inte läsas som en yta.",
        "en": "There is no boundary to repair: the file could not be read as an area.",
    },
    "warning_prefix": {"sv": "Varning", "en": "Warning"},
    # --- the audit log ---------------------------------------------------------------------
    "page_audit": {"sv": "Ändringslogg", "en": "Change log"},
    "audit_title": {"sv": "Ändringslogg", "en": "Change log"},
    "audit_intro": {
        "sv": "Vem som har lagt till, ändrat, tagit bort eller återställt vad i projektet, nyast först. "
        "Loggen skrivs i samma ögonblick som ändringen och kan inte redigeras här.",
        "en": "Who added, changed, deleted or restored what in the project, newest first. The log is written "
        "together with each change and cannot be edited here.",
    },
    "audit_empty": {"sv": "Inget har ändrats i projektet ännu.", "en": "Nothing has been changed in the project yet."},
    "audit_actor": {"sv": "Vem", "en": "Who"},
    "audit_action": {"sv": "Vad", "en": "What"},
    "audit_entity": {"sv": "Slag", "en": "Kind"},
    "audit_ref": {"sv": "Referens", "en": "Reference"},
    "audit_changes": {"sv": "Ändringar", "en": "Changes"},
    "audit_when": {"sv": "Tid", "en": "Time"},
    "audit_filter_actor": {"sv": "Bara av", "en": "Only by"},
    "audit_filter_entity": {"sv": "Bara slag", "en": "Only kinds"},
    "audit_everyone": {"sv": "Alla", "en": "Everyone"},
    "audit_every_kind": {"sv": "Alla slag", "en": "Every kind"},
    "audit_limit": {"sv": "Antal rader", "en": "Number of rows"},
    "audit_download": {"sv": "Ladda ned loggen (CSV)", "en": "Download the log (CSV)"},
    "audit_single_user": {"sv": "(enanvändarläge)", "en": "(single-user mode)"},
    "audit_action_insert": {"sv": "lade till", "en": "added"},
    "audit_action_update": {"sv": "ändrade", "en": "changed"},
    "audit_action_delete": {"sv": "tog bort", "en": "deleted"},
    "audit_action_restore": {"sv": "återställde", "en": "restored"},
    "audit_entity_projects": {"sv": "projekt", "en": "project"},
    "audit_entity_area_versions": {"sv": "områdesversion", "en": "area version"},
    "audit_entity_service_snapshots": {"sv": "serviceimport", "en": "service import"},
    "audit_entity_service_corrections": {"sv": "servicerättelse", "en": "service correction"},
    "audit_entity_stakeholders": {"sv": "intressent", "en": "stakeholder"},
    "audit_entity_osm_extracts": {"sv": "OSM-utdrag", "en": "OSM extract"},
    "audit_entity_walks": {"sv": "vandring", "en": "walk"},
    "audit_entity_observations": {"sv": "observation", "en": "observation"},
    "audit_entity_photos": {"sv": "foto", "en": "photo"},
    "audit_entity_assessments": {"sv": "bedömning", "en": "assessment"},
    "audit_entity_reviews": {"sv": "granskning", "en": "review"},
    "audit_entity_review_comments": {"sv": "granskningskommentar", "en": "review comment"},
    "audit_entity_actions": {"sv": "åtgärd", "en": "action"},
    "audit_entity_process_plans": {"sv": "processplan", "en": "process plan"},
    "audit_entity_process_tasks": {"sv": "processuppgift", "en": "process task"},
    "audit_entity_meetings": {"sv": "möte", "en": "meeting"},
    "audit_entity_users": {"sv": "konto", "en": "account"},
    "audit_entity_memberships": {"sv": "roll", "en": "role"},
    # --- accounts and roles (BIDGEO_AUTH=1) ----------------------------------------------
    "cli_login_needed": {
        "sv": "Kontona är på (BIDGEO_AUTH=1): säg vem du är med --user NAMN eller BIDGEO_USER, och ge "
        "lösenordet i BIDGEO_PASSWORD eller när det efterfrågas.",
        "en": "Accounts are on (BIDGEO_AUTH=1): say who you are with --user NAME or BIDGEO_USER, and give the "
        "password in BIDGEO_PASSWORD or when asked for it.",
    },
    "cli_forbidden": {
        "sv": "{username} får inte {action} i projektet ”{name}”. Be projektets BID-manager om en roll som får det.",
        "en": "{username} may not {action} in the project “{name}”. Ask the project's BID manager for a role "
        "that may.",
    },
    "cli_forbidden_anywhere": {
        "sv": "{username} får inte {action} i något projekt. Be en BID-manager om en roll som får det.",
        "en": "{username} may not {action} in any project. Ask a BID manager for a role that may.",
    },
    "permission_view": {"sv": "se projektet", "en": "see the project"},
    "permission_record": {"sv": "registrera observationer", "en": "record observations"},
    "permission_review": {"sv": "granska", "en": "review"},
    "permission_edit_area": {"sv": "ändra området", "en": "change the area"},
    "permission_manage": {"sv": "administrera", "en": "administer"},
    "permission_personal_data": {"sv": "se personuppgifter (använd --public för en export utan dem)",
                                 "en": "see personal data (use --public for an export without it)"},
    "role_admin": {"sv": "administratör", "en": "administrator"},
    "role_editor": {"sv": "redigerare", "en": "editor"},
    "role_reviewer": {"sv": "granskare", "en": "reviewer"},
    "role_viewer": {"sv": "läsare", "en": "viewer"},
    "username_invalid": {
        "sv": "Användarnamnet ”{username}” går inte: använd 2–32 tecken, små bokstäver a–z, siffror, "
        "punkt, understreck eller bindestreck, och börja med en bokstav eller siffra.",
        "en": "The username “{username}” will not do: use 2–32 characters, lower-case letters a–z, digits, "
        "dot, underscore or hyphen, starting with a letter or digit.",
    },
    "username_taken": {
        "sv": "Användarnamnet ”{username}” finns redan. Välj ett annat.",
        "en": "The username “{username}” already exists. Choose another one.",
    },
    "password_too_short": {
        "sv": "Lösenordet är för kort: det måste ha minst {min} tecken.",
        "en": "The password is too short: it needs at least {min} characters.",
    },
    "password_too_long": {
        "sv": "Lösenordet är för långt: högst {max} tecken.",
        "en": "The password is too long: at most {max} characters.",
    },
    "user_not_found": {
        "sv": "Det finns ingen användare ”{username}”. Se bidgeo user list.",
        "en": "There is no user “{username}”. See bidgeo user list.",
    },
    "bad_role": {
        "sv": "Rollen ”{role}” finns inte. Välj en av: {choices}.",
        "en": "There is no role “{role}”. Choose one of: {choices}.",
    },
    "cli_password_prompt": {"sv": "Lösenord: ", "en": "Password: "},
    "cli_user_password_set": {
        "sv": "Användaren ”{username}” har ett nytt lösenord.",
        "en": "User “{username}” has a new password.",
    },
    "cli_user_added": {
        "sv": "Användaren ”{username}” är skapad. Ge den en roll med bidgeo user grant.",
        "en": "User “{username}” was created. Give it a role with bidgeo user grant.",
    },
    "cli_user_granted": {
        "sv": "”{username}” är nu {role} i ”{name}”.",
        "en": "“{username}” is now {role} in “{name}”.",
    },
    "cli_user_revoked": {
        "sv": "”{username}” har inte längre någon roll i ”{name}”.",
        "en": "“{username}” no longer has a role in “{name}”.",
    },
    # --- code shape: report templates, user disable/enable (issue 14)
    "report_templates_missing": {
        "sv": "Mappen som BIDGEO_TEMPLATES pekar på finns inte. Rätta sökvägen eller ta bort variabeln.",
        "en": "The folder BIDGEO_TEMPLATES points to does not exist. Correct the path or remove the variable.",
    },
    "report_template_broken": {
        "sv": "Rapportmallen ”{name}” i BIDGEO_TEMPLATES går inte att läsa (rad {line}). Rätta den eller ta "
        "bort den, så används bidgeos egen.",
        "en": "The report template “{name}” in BIDGEO_TEMPLATES cannot be read (line {line}). Correct it or "
        "remove it, and bidgeo's own is used.",
    },
    "cli_user_disabled": {
        "sv": "Användaren ”{username}” är avstängd och kan inte logga in (rollerna finns kvar). "
        "Slå på kontot igen med: bidgeo user enable {username}",
        "en": "User “{username}” is disabled and cannot log in (the roles are kept). "
        "Enable the account again with: bidgeo user enable {username}",
    },
    "cli_user_enabled": {
        "sv": "Användaren ”{username}” kan logga in igen.",
        "en": "User “{username}” can log in again.",
    },
    "cli_user_had_no_role": {
        "sv": "”{username}” hade ingen roll i ”{name}”.",
        "en": "“{username}” had no role in “{name}”.",
    },
    "login_title": {"sv": "Logga in", "en": "Log in"},
    "login_intro": {
        "sv": "bidgeo används här av flera. Logga in med det konto som BID-managern gett dig.",
        "en": "Several people use bidgeo here. Log in with the account the BID manager gave you.",
    },
    "login_username": {"sv": "Användarnamn", "en": "Username"},
    "login_password": {"sv": "Lösenord", "en": "Password"},
    "login_button": {"sv": "Logga in", "en": "Log in"},
    "login_failed": {"sv": "Fel användarnamn eller lösenord.", "en": "Wrong username or password."},
    "email_invalid": {
        "sv": "”{email}” är ingen e-postadress.",
        "en": "“{email}” is not an e-mail address.",
    },
    "email_taken": {
        "sv": "E-postadressen ”{email}” hör redan till ett annat konto.",
        "en": "The e-mail address “{email}” already belongs to another account.",
    },
    "login_oidc": {"sv": "Logga in med organisationens konto", "en": "Log in with your organisation's account"},
    "login_oidc_or": {"sv": "… eller med ett bidgeo-konto:", "en": "… or with a bidgeo account:"},
    "login_oidc_unknown": {
        "sv": "Du är inloggad som {email}, men inget bidgeo-konto har den adressen. Be BID-managern lägga "
        "till det (bidgeo user add NAMN --email {email}), eller logga ut och logga in med ett annat konto.",
        "en": "You are signed in as {email}, but no bidgeo account has that address. Ask the BID manager to "
        "add it (bidgeo user add NAME --email {email}), or log out and log in with another account.",
    },
    "login_locked": {
        "sv": "För många misslyckade inloggningar med det här användarnamnet. Vänta {minutes} minuter och "
        "försök igen, eller be BID-managern sätta ett nytt lösenord.",
        "en": "Too many failed logins with this username. Wait {minutes} minutes and try again, or ask the "
        "BID manager to set a new password.",
    },
    # --- probing accounts, files and user text (issue 13)
    "account_last_admin": {
        "sv": "Det är den sista administratören: utan någon skulle vem som helst kunna ändra konton och roller "
        "från kommandoraden. Gör först någon annan till administratör (bidgeo user grant NAMN PROJEKT admin).",
        "en": "That is the last administrator: without one anyone could change accounts and roles from the "
        "command line. First make someone else an administrator (bidgeo user grant NAME PROJECT admin).",
    },
    "audit_bad_limit": {
        "sv": "--limit {value} går inte: ange hur många ändringar som ska visas, 1–{max}.",
        "en": "--limit {value} will not do: give how many changes to show, 1–{max}.",
    },
    "overpass_bad_buffer": {
        "sv": "--buffer {value} är inget avstånd att hämta runt området: ange 0–{max} m.",
        "en": "--buffer {value} is no distance to fetch around the area: give 0–{max} m.",
    },
    "cli_handover_not_public": {
        "sv": "Överlämningspaketet är internt och har inget --public: det innehåller namnen (kontaktuppgifter "
        "bara med --with-contacts). Ta bort --public, eller exportera en publik rapport med --format pdf.",
        "en": "The handover package is internal and has no --public: it holds the names (contact details only "
        "with --with-contacts). Leave out --public, or export a public report with --format pdf.",
    },
    "logout": {"sv": "Logga ut", "en": "Log out"},
    "logged_in_as": {"sv": "Inloggad som {name}", "en": "Logged in as {name}"},
    "your_role": {"sv": "Din roll i projektet: {role}", "en": "Your role in the project: {role}"},
    "auth_forbidden": {
        "sv": "Din roll ({role}) får inte ändra här. Be BID-managern om behörighet.",
        "en": "Your role ({role}) may not make changes here. Ask the BID manager for access.",
    },
    "an_public_only": {
        "sv": "Din roll får bara den publika versionen: utan namn på personer och utan intressentregistret.",
        "en": "Your role gets the public version only: without people's names and the stakeholder register.",
    },
    "auth_no_projects": {
        "sv": "Du har ingen roll i något projekt ännu. Be BID-managern om behörighet.",
        "en": "You have no role in any project yet. Ask the BID manager for access.",
    },
    "auth_needed_for_network": {
        "sv": "bidgeo lyssnar på nätverket ({address}) men konton är avstängda, så vem som helst på "
        "nätverket skulle kunna se och ändra allt. Appen startar därför inte. Starta med BIDGEO_AUTH=1 "
        "och skapa konton (bidgeo user add), eller lyssna bara på den här datorn "
        "(--server.address 127.0.0.1). Se README: ”Använda appen på ett nätverk”.",
        "en": "bidgeo listens on the network ({address}) but accounts are off, so anyone on the network "
        "could see and change everything. The app therefore does not start. Start it with BIDGEO_AUTH=1 and "
        "create accounts (bidgeo user add), or listen on this computer only (--server.address 127.0.0.1). "
        "See the README: “Serving on a network”.",
    },
    # --- hardening: accounts, the command line, files (issue 13) --------------------------
    "cli_forbidden_account": {
        "sv": "{username} får inte ändra kontot ”{target}”: det har en roll i ett projekt som {username} inte "
        "administrerar. Be den som administrerar alla kontots projekt, eller serverns driftansvarige.",
        "en": "{username} may not change the account “{target}”: it has a role in a project {username} does not "
        "administer. Ask whoever administers all of the account's projects, or the server's operator.",
    },
    "database_url_invalid": {
        "sv": "Databasadressen i BIDGEO_DATABASE_URL (eller --db) går inte att tolka. Den ska se ut som "
        "sqlite:////sökväg/till/bidgeo.sqlite eller postgresql+psycopg://användare:lösenord@server/databas.",
        "en": "The database address in BIDGEO_DATABASE_URL (or --db) cannot be understood. It should look like "
        "sqlite:////path/to/bidgeo.sqlite or postgresql+psycopg://user:password@server/database.",
    },
    "database_folder_missing": {
        "sv": "Mappen {folder} för databasfilen finns inte. Skapa den först, eller ange en annan sökväg i "
        "BIDGEO_DATABASE_URL (eller --db).",
        "en": "The folder {folder} of the database file does not exist. Create it first, or give another path "
        "in BIDGEO_DATABASE_URL (or --db).",
    },
    "database_is_folder": {
        "sv": "{path} är en mapp, inte en databasfil. Ange filens namn i BIDGEO_DATABASE_URL (eller --db), "
        "till exempel sqlite:///{path}/bidgeo.sqlite.",
        "en": "{path} is a folder, not a database file. Give the file's name in BIDGEO_DATABASE_URL (or --db), "
        "for example sqlite:///{path}/bidgeo.sqlite.",
    },
    "database_no_permission": {
        "sv": "Databasfilen {path} får inte öppnas av den här användaren. Kontrollera filens ägare och "
        "behörigheter.",
        "en": "This user may not open the database file {path}. Check the file's owner and permissions.",
    },
    "database_unreadable": {
        "sv": "{path} går inte att öppna som en bidgeo-databas (den är skadad eller ingen SQLite-fil). Ange "
        "rätt fil i BIDGEO_DATABASE_URL (eller --db), eller läs tillbaka en säkerhetskopia med bidgeo restore.",
        "en": "{path} cannot be opened as a bidgeo database (it is damaged or not an SQLite file). Give the "
        "right file in BIDGEO_DATABASE_URL (or --db), or read back a backup with bidgeo restore.",
    },
    "cli_file_exists": {
        "sv": "Filen {path} finns redan. Välj ett annat namn, eller skriv över den med --force.",
        "en": "The file {path} already exists. Choose another name, or overwrite it with --force.",
    },
    "cli_args_required": {
        "sv": "{prog} behöver också {args}. Se {prog} --help.",
        "en": "{prog} also needs {args}. See {prog} --help.",
    },
    "cli_args_no_command": {
        "sv": "Säg vad {prog} ska göra: ett kommando saknas. Se {prog} --help.",
        "en": "Say what {prog} should do: a command is missing. See {prog} --help.",
    },
    "cli_args_unknown": {
        "sv": "{prog} känner inte till {args}. Se {prog} --help.",
        "en": "{prog} does not know {args}. See {prog} --help.",
    },
    "cli_args_choice": {
        "sv": "{arg} kan inte vara ”{value}”. Välj en av: {choices}.",
        "en": "{arg} cannot be “{value}”. Choose one of: {choices}.",
    },
    "cli_args_command": {
        "sv": "{prog} har inget kommando ”{value}”. Kommandona är: {choices}.",
        "en": "{prog} has no command “{value}”. The commands are: {choices}.",
    },
    "cli_args_value": {
        "sv": "{arg} ska vara ett tal, inte ”{value}”. Se {prog} --help.",
        "en": "{arg} must be a number, not “{value}”. See {prog} --help.",
    },
    "cli_args_missing_value": {
        "sv": "{arg} behöver ett värde efter sig. Se {prog} --help.",
        "en": "{arg} needs a value after it. See {prog} --help.",
    },
    "cli_args_ambiguous": {
        "sv": "{arg} kan betyda flera flaggor ({args}). Skriv ut hela namnet.",
        "en": "{arg} could mean several options ({args}). Write the whole name.",
    },
    "cli_args_other": {
        "sv": "Kommandoraden går inte att förstå. Se {prog} --help.",
        "en": "The command line cannot be understood. See {prog} --help.",
    },
    "backup_not_a_file": {
        "sv": "{path} är ingen vanlig fil. Välj ett filnamn för säkerhetskopian.",
        "en": "{path} is not an ordinary file. Choose a file name for the backup.",
    },
    "page_failed": {
        "sv": "Något gick fel på sidan. Det du redan har sparat finns kvar. Ladda om sidan och försök igen; "
        "händer det igen, säg till den som driver bidgeo (felet finns i serverns logg).",
        "en": "Something went wrong on the page. What you have already saved is kept. Reload the page and "
        "try again; if it happens again, tell whoever runs bidgeo (the error is in the server's log).",
    },
}


def local_time(moment: datetime, with_time: bool = True) -> str:
    """A stored (UTC) time as Swedish local time, ``2026-11-27 14:05``."""
    local = moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(TIMEZONE)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The catalogue string ``key`` in ``lang`` (sv or en), with ``params`` filled in."""
    entry = CATALOGUE[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text
