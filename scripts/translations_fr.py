"""French UI strings: writes search_app/translations/fr/LC_MESSAGES/messages.po from the .pot.

    .venv/bin/pybabel extract -F babel.cfg --no-location --omit-header \
        -o search_app/translations/messages.pot search_app
    .venv/bin/python scripts/translations_fr.py

Fails, naming them, if a string of the .pot has no French here: a new UI string needs one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
FRENCH = {
    "The q parameter is required: the words to search for.":
        "Le paramètre q est obligatoire : les mots à rechercher.",
    "This page or video does not exist in the archive.":
        "Cette page ou cette vidéo n'existe pas dans les archives.",
    "This address does not accept that kind of request.":
        "Cette adresse n'accepte pas ce type de requête.",
    "The request is too large.": "La requête est trop volumineuse.",
    "The requested byte range is outside the file.":
        "La plage d'octets demandée est en dehors du fichier.",
    "Something went wrong.": "Une erreur s'est produite.",
    "%(name)s must be a whole number.": "%(name)s doit être un nombre entier.",
    "%(name)s must be between %(low)d and %(high)d.":
        "%(name)s doit être compris entre %(low)d et %(high)d.",
    "Unknown language code %(code)s.": "Code de langue inconnu : %(code)s.",
    "year must look like 2009.": "l'année doit s'écrire comme 2009.",
    "t must be a number of seconds, like 12.5.": "t doit être un nombre de secondes, comme 12.5.",
    "No video with id %(id)s in the archive.":
        "Aucune vidéo d'identifiant %(id)s dans les archives.",
    "Unknown transcript format %(fmt)s: use srt, vtt, txt or json.":
        "Format de transcription inconnu %(fmt)s : utilisez srt, vtt, txt ou json.",
    "The media file of this video is no longer available.":
        "Le fichier de cette vidéo n'est plus disponible.",
    "Speech archive": "Archives des discours",
    "Skip to content": "Aller au contenu",
    "Speech and press conference archive": "Archives des discours et conférences de presse",
    "Interface language": "Langue de l'interface",
    "Search what was said": "Rechercher ce qui a été dit",
    'Search what was said: words, "exact phrase", names…':
        "Rechercher ce qui a été dit : mots, « expression exacte », noms…",
    "Search": "Rechercher",
    "Transcripts are made by machine (Whisper) and may contain errors: check the recording "
    "before quoting.":
        "Les transcriptions sont automatiques (Whisper) et peuvent contenir des erreurs : "
        "vérifiez l'enregistrement avant de citer.",
    "JSON API": "API JSON",
    "Error": "Erreur",
    "Back to search": "Retour à la recherche",
    "Player": "Lecteur",
    "Transcript": "Transcription",
    "Your browser cannot play this file.": "Votre navigateur ne peut pas lire ce fichier.",
    "Open it": "L'ouvrir",
    "Copy citation": "Copier la citation",
    "Transcript:": "Transcription :",
    "Names in this video": "Noms cités dans cette vidéo",
    "Search every video for %(name)s": "Rechercher %(name)s dans toutes les vidéos",
    "Click a passage to play it.": "Cliquez sur un passage pour l'écouter.",
    "Dotted words": "Les mots soulignés en pointillé",
    "are uncertain.": "sont incertains.",
    "Play from %(time)s": "Lire à partir de %(time)s",
    "Uncertain: %(p)d%%": "Incertain : %(p)d %%",
    "This search could not be understood": "Cette recherche n'a pas pu être comprise",
    "Find what was said": "Retrouvez ce qui a été dit",
    "Search the transcripts of press conferences, speeches and interviews, in French and "
    "English, and jump straight to the moment it was said.":
        "Recherchez dans les transcriptions des conférences de presse, discours et entretiens, "
        "en français et en anglais, et allez directement au moment où cela a été dit.",
    "In the archive": "Dans les archives",
    "Narrow the results": "Affiner les résultats",
    "Language": "Langue",
    "Names": "Noms",
    "Speaker": "Intervenant",
    "Year": "Année",
    "All": "Tout",
    ("%(num)d passage found", "%(num)d passages found"):
        ("%(num)d passage trouvé", "%(num)d passages trouvés"),
    "Pages": "Pages",
    "Previous": "Précédente",
    "Page %(page)d of %(pages)d": "Page %(page)d sur %(pages)d",
    "Next": "Suivante",
    "No results for %(q)s": "Aucun résultat pour %(q)s",
    "Did you mean": "Vouliez-vous dire",
    "Check the spelling, or try fewer words.": "Vérifiez l'orthographe, ou essayez moins de mots.",
    "Names work in either language: NATO also finds OTAN.":
        "Les noms fonctionnent dans les deux langues : OTAN trouve aussi NATO.",
    "Use a wildcard for word endings: terror*": "Utilisez un joker pour les fins de mots : terror*",
    "Search again without the filters": "Relancer la recherche sans les filtres",
    "How to search": "Comment rechercher",
    "passages with all these words, in any form (coopérations finds coopération)":
        "les passages contenant tous ces mots, sous toutes leurs formes "
        "(coopérations trouve coopération)",
    "this exact phrase": "cette expression exacte",
    "either word; exclude a word": "l'un ou l'autre mot ; exclure un mot",
    "any ending; tolerate a typo": "toute terminaison ; tolérer une faute de frappe",
    "filters": "filtres",
}


def main() -> int:
    with open(ROOT / "search_app" / "translations" / "messages.pot", "rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale="fr", project="speechsearch", fuzzy=False)
    missing = []
    for message in template:
        if not message.id:
            continue
        french = FRENCH.get(message.id)
        if french is None:
            missing.append(message.id)
            continue
        catalog.add(message.id, french)
    if missing:
        print("No French for:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    target = ROOT / "search_app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        write_po(handle, catalog, omit_header=False, width=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
