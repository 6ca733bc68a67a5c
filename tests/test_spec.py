"""docs/spec/ is the project's shared spec folder, byte for byte, whenever that folder
(../shared/spec/) is beside the checkout."""

from conftest import SHARED, SPEC, require


def test_docs_spec_is_the_shared_spec():
    shared = SHARED / "spec"
    if not shared.is_dir():
        require(f"no shared spec folder beside the checkout to compare docs/spec/ with ({shared})")
    theirs = {p.name: p.read_bytes() for p in shared.glob("*.md")}
    ours = {p.name: p.read_bytes() for p in SPEC.glob("*.md")}
    assert theirs, "the shared spec folder holds no .md file"
    assert sorted(ours) == sorted(theirs)
    different = [name for name in theirs if ours[name] != theirs[name]]
    assert not different, f"docs/spec/ differs from {shared}: {different} (copy them over)"
