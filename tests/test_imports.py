import subprocess
import sys


def test_bidgeo_never_imports_streamlit():
    code = (
        "import sys, bidgeo, bidgeo.cli, bidgeo.db, bidgeo.osm, bidgeo.maps, bidgeo.projects, "
        "bidgeo.demo, bidgeo.services, bidgeo.area\n"
        "assert 'streamlit' not in sys.modules, 'streamlit imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
