"""A corrected name offered to the archive's gazetteer (`<data-dir>/gazetteer.json`), with its
aliases: videos indexed from then on tag it as an entity (and, as a recognition hint, Whisper's
prompt may carry it). The data dir's file is written atomically in the index writer's turn; a
data dir without one starts from the project's."""

from __future__ import annotations

import json
import unicodedata

from ..config import Settings
from ..gazetteer import BUNDLED_GAZETTEER, LABELS, Gazetteer, slug
from ..index_writer import writer_turn
from ..store import write_json_atomic
from .edits import EditError

MAX_NAME_CHARS = 100
PREFIXES = {"PER": "per", "ORG": "org", "LOC": "loc", "MISC": "misc"}


def _clean(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_CHARS or \
            any(unicodedata.category(c) == "Cc" for c in name):
        raise EditError(f"a name for the gazetteer is plain text of 1 to {MAX_NAME_CHARS} "
                        "characters")
    return name


def add_name(settings: Settings, name: str, label: str, language: str,
             aliases: list[str] | tuple[str, ...] = (), hint: bool = False) -> str:
    """Add `name` (and `aliases`, in `language`) to the gazetteer; the entity's id. A name the
    gazetteer already knows gets the aliases added to its entry."""
    name = _clean(name)
    aliases = [_clean(a) for a in aliases if a.strip()]
    if label not in LABELS:
        raise EditError(f"the kind of name must be one of {', '.join(LABELS)}")
    if language not in settings.languages:
        raise EditError(f"the name's language must be one of {', '.join(settings.languages)}")
    own = settings.data_dir / "gazetteer.json"
    with writer_turn(settings.data_dir):
        source = own if own.is_file() else BUNDLED_GAZETTEER
        data = json.loads(source.read_text(encoding="utf-8"))
        known = Gazetteer.load(source).lookup(name)
        entity_id = known or f"{PREFIXES[label]}:{slug(name)}"
        entry = next((e for e in data.setdefault("entities", []) if e.get("id") == entity_id),
                     None)
        if entry is None:
            entry = {"id": entity_id, "label": label, "names": {}}
            data["entities"].append(entry)
        names = entry.setdefault("names", {}).setdefault(language, [])
        names.extend(n for n in [name, *aliases] if n not in names)
        if hint:
            entry["prompt"] = True
        write_json_atomic(own, data)
        Gazetteer.load(own)  # the file it wrote reads back (a malformed one would say so)
    return entity_id
