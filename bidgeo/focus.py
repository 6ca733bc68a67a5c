"""The five focus areas of the Levande orter method (labels in the i18n catalogue as
``focus_<key>``)."""

FOCUS_AREAS = ("place_brand", "offering", "place", "accessibility", "clean_safe")
