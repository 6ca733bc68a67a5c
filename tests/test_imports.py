import subprocess
import sys


def test_bidgeo_never_imports_streamlit():
    code = (
        "import sys, bidgeo, bidgeo.cli, bidgeo.db, bidgeo.osm, bidgeo.maps, bidgeo.projects, "
        "bidgeo.demo, bidgeo.services, bidgeo.area\n"
        "assert 'streamlit' not in sys.modules, 'streamlit imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def bidgeo_imports() -> dict[str, set[str]]:
    """Which bidgeo modules each bidgeo module imports, at the top or inside a function."""
    import ast

    from conftest import REPO

    package = REPO / "bidgeo"
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    graph = {}
    for name in modules:
        found = set()
        for node in ast.walk(ast.parse((package / f"{name}.py").read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "bidgeo":
                found |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bidgeo."):
                found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("bidgeo.")}
        graph[name] = found & modules - {name}
    return graph


def test_no_import_circle_between_bidgeo_modules():
    graph = bidgeo_imports()
    assert {"audit", "walks", "db"} <= set(graph) and "db" in graph["audit"]  # the graph is read
    circles = []

    def visit(module, path):
        for target in sorted(graph[module]):
            if target in path:
                circles.append(" → ".join(path[path.index(target):] + [target]))
            elif target not in done:
                visit(target, path + [target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert not circles, circles


def test_imports_go_pages_then_ui_then_bidgeo():
    """bidgeo never imports ui or a page, and ui never imports a page (the README's Layout)."""
    import ast

    from conftest import REPO

    def imported(path):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                yield node.module.split(".")[0]
            elif isinstance(node, ast.Import):
                yield from (a.name.split(".")[0] for a in node.names)

    checked = {"bidgeo": {"ui", "app_pages", "app"}, "ui": {"app_pages", "app"}}
    wrong = []
    for folder, forbidden in checked.items():
        files = list((REPO / folder).rglob("*.py"))
        assert len(files) > 5, folder
        wrong += [f"{path.relative_to(REPO)} imports {name}" for path in files for name in imported(path)
                  if name in forbidden]
    assert not wrong, wrong
