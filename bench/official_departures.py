"""Precision and recall of the "check against delivery" departures (issue 15).

    .venv/bin/python -m bench.official_departures [--corpus /work/shared/corpus] [--words]

Three recordings and the texts said in them: the synthetic fixtures tests/fixtures/
fr_minister.ogg and en_budget.mp3 (scripts/make_delivery_fixtures.py) and the corpus read-along
fr_readalong_ej.m4a (a real voice; Whisper base mishears its names). Each text is aligned as it
is (any departure found is a false positive), with its numbers written the other way (digits
for words or words for digits: must give none), and in two variants with departures planted:
a sentence said but taken out of the text (-> "added"), a sentence put in the text but not
said (-> "omitted"), words changed (-> "changed"), some before a full stop. A sentence taken
out and another put in are planted in one variant only where many words lie between them:
stage 1's edit distance (align.py) prefers shifting the words between to an insertion and a
deletion, and then refuses the text (AlignmentError, counted here as all its plants missed). A
planted
departure is found when a departure of its kind overlaps its time (within TOLERANCE s); its
time is the unmodified text's forced alignment of the same words (for an omitted sentence:
where it was put in). `--words` lists every substituted word with the ratio delivery.py judges.
Prints a markdown section and writes it to /work/notes/bench-departures.md.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.report import ROOT
from indexer.config import Settings
from indexer.decode import load_audio
from indexer.official.align import Alignment, AlignmentError, align
from indexer.official.delivery import CHANGED_RATIO, Departure, departures, disagreement
from indexer.official.forced import force_align
from indexer.pipeline import Indexer, IndexOptions
from indexer.store import load_transcript
from indexer.whisper_models import provision_base_model

logger = logging.getLogger("bench.official_departures")
FIXTURES = ROOT / "tests" / "fixtures"
NOTES = ROOT.parent / "notes" / "bench-departures.md"
TOLERANCE = 0.5  # s: a found span this near the planted one is it
KINDS = ("omitted", "added", "changed")

# Edits of the text said: ("remove", sentence) / ("insert", before, sentence) /
# ("change", words said, words written); ("respell", ...): a change that is none ("15" written
# "quinze"). `before` and the words must occur once in the text.
EJ_CORPUS = ("Ce corpus permettra d'entraîner la TA, neuronale ou statistique, ainsi que "
             "d'autres applications de traitement du langage naturel.")
EJ_LAST = ("En parallèle, j'aide à écrire des tests pour rendre le ReadAlong-Studio plus "
           "robuste.")
CASES = {
    "fr_minister.ogg": {
        "numbers": [("respell", "15", "quinze")],
        "v1": [("remove", "Il a décidé de renforcer la coopération avec la Russie."),
               ("change", "15", "16")],
        "v2": [("insert", "Le ministre", "Je vous remercie d'être venus si nombreux."),
               ("change", "ministre", "président"), ("change", "presse.", "télévision.")],
        "v3": [("remove", "Bonjour à tous."),
               ("insert", "La réunion", "Les journalistes pourront poser leurs questions.")],
    },
    "en_budget.mp3": {
        "numbers": [("respell", "28", "twenty-eight")],
        "v1": [("remove", "We will build three schools and a swimming pool."),
               ("change", "28", "29")],
        "v2": [("insert", "The city", "Thank you all for coming today."),
               ("change", "city", "state"), ("change", "March.", "April.")],
        "v3": [("remove", "Good morning everyone."),
               ("insert", "The work", "Questions will follow afterwards.")],
    },
    "fr_readalong_ej.m4a": {
        "v1": [("remove", EJ_CORPUS),
               ("insert", "Je m'appelle",
                "Le comité se réunira de nouveau à Ottawa au mois de juin."),
               ("change", "bonne partie", "grande partie"), ("change", "profond.", "moderne.")],
        "v2": [("remove", EJ_LAST),
               ("insert", "En ce moment", "Nous publierons les résultats au printemps prochain."),
               ("change", "carrière", "vie")],
    },
}


@dataclass(frozen=True)
class Planted:
    kind: str
    start: float
    end: float
    text: str
    punctuated: bool = False  # a changed word before a full stop (see delivery.py)


def edit(words: list[str], edits: list[tuple], reference: Alignment) -> tuple[list[str],
                                                                          list[Planted]]:
    """The edited text's words, and the departures planted, timed from `reference`."""
    # Each word with the index of the reference word it is (None: written in by an edit).
    text: list[tuple[str, int | None]] = [(word, index) for index, word in enumerate(words)]
    planted = []
    for kind, *args in edits:
        target = (args[0] if kind != "insert" else args[0]).split()
        current = [word for word, _ in text]
        at = next(i for i in range(len(current)) if current[i:i + len(target)] == target)
        timed = [reference.words[index] for _, index in text[at:at + len(target)]]
        if kind == "remove":
            planted.append(Planted("added", timed[0].start, timed[-1].end, args[0]))
            del text[at:at + len(target)]
        elif kind == "insert":
            point = timed[0].start
            planted.append(Planted("omitted", point, point, args[1]))
            text[at:at] = [(word, None) for word in args[1].split()]
        else:
            if kind == "respell":
                text[at:at + len(target)] = [(word, None) for word in args[1].split()]
                continue
            planted.append(Planted("changed", timed[0].start, timed[-1].end,
                                   f"{args[0]} -> {args[1]}", args[1].endswith(".")))
            text[at:at + len(target)] = [(word, None) for word in args[1].split()]
    return [word for word, _ in text], planted


def overlaps(found: Departure, planted: Planted) -> bool:
    return (found.kind == planted.kind and found.start <= planted.end + TOLERANCE
            and found.end >= planted.start - TOLERANCE)


def measure(corpus: Path, show_words: bool) -> tuple[list[str], list[str]]:
    """Markdown table rows and per-case lines."""
    media_of = {name: (corpus if name.startswith("fr_readalong") else FIXTURES) / name
                for name in CASES}
    # per kind: planted, planted and found, found, found where nothing was planted
    counts = {kind: [0, 0, 0, 0] for kind in (*KINDS, "changed before '.'")}
    ratios: dict[str, list[tuple[float, str]]] = {"changed": [], "changed before '.'": [],
                                                  "misheard": []}
    false_positives: list[str] = []
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        (data / "models").symlink_to(provision_base_model(ROOT / "data" / "models").parent)
        indexer = Indexer(Settings(data_dir=data), IndexOptions())
        for name, variants in CASES.items():
            media = media_of[name]
            outcome = indexer.transcribe_file(media)
            transcript = load_transcript(indexer.settings.transcripts_dir, outcome.video_id)
            audio = load_audio(media)
            said = media.with_name(media.name.split(".")[0] + ".ref.txt").read_text(
                encoding="utf-8").split()

            def forced(words: list[str]) -> Alignment:
                return force_align(align(words, transcript), audio, indexer.engine.model)

            reference = forced(said)
            for variant, edits in [("unmodified", []), *variants.items()]:
                words, planted = edit(said, edits, reference)
                try:
                    alignment = reference if not edits else forced(words)
                except AlignmentError as error:
                    alignment = None
                    lines.append(f"- {name} {variant}: refused: {error}")
                found = departures(alignment) if alignment else []
                if show_words and alignment:
                    for word in alignment.words:
                        if word.status == "substituted":
                            lines.append(f"  - {name} {variant}: {word.text!r} heard "
                                         f"{word.heard!r}: forced {word.confidence:.3f}, "
                                         f"heard {word.heard_probability:.3f}, ratio "
                                         f"{disagreement(word):.3f}")
                written = {word for kind, *args in edits if kind == "change"
                           for word in args[1].split()}
                for word in alignment.words if alignment else []:
                    if word.status != "substituted":
                        continue
                    if word.text in written:
                        key = "changed before '.'" if word.text.endswith(".") else "changed"
                        ratios[key].append((disagreement(word), word.text))
                    elif not edits:
                        ratios["misheard"].append((disagreement(word), f"{word.text}/{word.heard}"))
                for item in planted:
                    key = "changed before '.'" if item.punctuated else item.kind
                    counts[key][0] += 1
                    counts[key][1] += any(overlaps(each, item) for each in found)
                for each in found:
                    hit = [item for item in planted if overlaps(each, item)]
                    key = ("changed before '.'" if hit and hit[0].punctuated else each.kind)
                    counts[key][2] += 1
                    if not hit:
                        counts[key][3] += 1
                        false_positives.append(f"{name} {variant}: {each.kind} "
                                               f"{each.start:.2f}-{each.end:.2f} "
                                               f"{each.official!r} / {each.said!r}")
                plants = ", ".join(f"{p.kind} {p.text!r}" for p in planted) or "nothing"
                finds = ", ".join(f"{d.kind} {d.official or d.said!r}" for d in found) or "nothing"
                lines.append(f"- {name} {variant}: planted {plants}; found {finds}")
    rows = []
    for kind, (planted_count, recalled, found_count, wrong) in counts.items():
        precision = (found_count - wrong) / found_count if found_count else 1.0
        recall = recalled / planted_count if planted_count else 1.0
        rows.append(f"| {kind} | {planted_count} | {recalled} | {found_count} | {wrong} | "
                    f"{precision:.2f} | {recall:.2f} |")
    rows += ["", "Ratio forced / heard probability (delivery.disagreement) of substituted words, "
             f"changed when below {CHANGED_RATIO}:", ""]
    rows += [f"- {key}: {min(values)[0]:.3f}-{max(values)[0]:.3f} ({len(values)} words), lowest "
             + ", ".join(f"{ratio:.3f} {word!r}" for ratio, word in sorted(values)[:4])
             if values else f"- {key}: none" for key, values in (
                 ("planted changes", ratios["changed"]),
                 ("planted changes before '.'", ratios["changed before '.'"]),
                 ("mishearings (texts said)", ratios["misheard"]))]
    lines += ["", "False positives:", *([f"- {fp}" for fp in false_positives] or ["- none"])]
    return rows, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--words", action="store_true",
                        help="list every substituted word and its probability ratio")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows, lines = measure(args.corpus, args.words)
    report = "\n".join([
        "## Check against delivery: departures found (Whisper base)", "",
        "    .venv/bin/python -m bench.official_departures", "",
        "| kind | planted | of them found | found | found, not planted | precision | recall |",
        "|---|---|---|---|---|---|---|", *rows, "",
        "What was planted and found (each text also aligned unmodified, and with its numbers "
        "written the other way: any departure there is a false positive):", "", *lines, "",
        "Reading: 'de' heard 'du' in the read-along (Whisper sure at 0.98, the written word",
        "0.001) is a mishearing below the ratio: two short words are not compared",
        "(delivery.comparable). Found 'added' can exceed planted when a chance match ('la')",
        "splits a passage in two. A changed word written before a full stop is judged on its",
        "spoken pieces (forced.py); some are still missed (delivery.py).", ""])
    print(report)
    NOTES.parent.mkdir(parents=True, exist_ok=True)
    NOTES.write_text(report, encoding="utf-8")
    logger.info("written to %s", NOTES)


if __name__ == "__main__":
    main()
