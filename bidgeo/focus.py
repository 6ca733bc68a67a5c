"""The five focus areas of the Levande orter method and the three types of a place-walk
observation, with the colour and icon (``bidgeo.icons``) each has on buttons and maps.
Labels are in the i18n catalogue as ``focus_<key>`` and ``kind_<key>``."""

FOCUS_AREAS = ("place_brand", "offering", "place", "accessibility", "clean_safe")
FOCUS_COLOURS = {"place_brand": "#8e24aa", "offering": "#ef6c00", "place": "#2e7d32",
                 "accessibility": "#1565c0", "clean_safe": "#c62828"}
FOCUS_ICONS = {"place_brand": "tag-heart", "offering": "storefront", "place": "tree",
               "accessibility": "wheelchair-accessibility", "clean_safe": "shield-check"}

KINDS = ("strength", "challenge", "idea")
KIND_COLOURS = {"strength": "#2e7d32", "challenge": "#c62828", "idea": "#f9a825"}
KIND_ICONS = {"strength": "thumb-up", "challenge": "alert", "idea": "lightbulb-on"}

RATINGS = (1, 2, 3, 4, 5)
"""The judgement of one observation."""
SCORES = tuple(range(1, 8))
"""A focus area's score in the assessment after a walk (Place Standard: 1-7)."""
