"""What bench/load.py sends: searches as people type them and quotes as people remember them,
over the index of the two demo videos (data/samples), with what each must find.

The quotes are the statement's sentences as a listener would half-remember them: words
dropped, swapped or replaced by a synonym, numbers spelled out, from 4 to 80 words (the
finder's limits), some running across two passages of the transcript, in both languages, one
of a sentence that was never said (it must find nothing), one asking for 20 places.
"""

from __future__ import annotations

from dataclasses import dataclass

SEARCHES = [  # what people type: terms, phrases, filters, both languages, no hit
    {"q": "NATO"},
    {"q": "Afghanistan terrorisme"},
    {"q": '"joint review"'},
    {"q": "OTAN", "lang": "fr"},
    {"q": "coopération"},
    {"q": "council", "year": "2009"},
    {"q": "Brussels", "lang": "en", "page": "1"},
    {"q": "Russie", "per_page": "50"},
    {"q": "meeting", "speaker": "NATO Secretary General"},
    {"q": "entity:NATO"},
    {"q": "zanzibar"},
]


@dataclass(frozen=True)
class Quote:
    params: dict[str, str]  # the request's ?q= (and ?lang=, ?limit=)
    language: str  # of the video where it was said; "" for a quote said nowhere
    at: float  # a second inside the span where it was said (the best hit must cover it)
    crosses: bool  # said across two passages of the demo index's transcript


QUOTES = [
    Quote({"q": "a great step forwards"}, "en", 68.5, False),
    Quote({"q": "we made a good start"}, "en", 17.0, False),
    Quote({"q": "the real dangers facing the twenty nine members of the NATO-Russia Council "
                "today, none of whom will be on that list"}, "en", 58.9, True),
    Quote({"q": "the intensification of our cooperation in Afghanistan and strengthening our "
                "collaboration in the fight against terror"}, "en", 85.4, True),
    Quote({"q": "the explosion of a bomb that killed 26 innocent people on an express train in "
                "Russia last week is an example of this real threat hanging over all of us, "
                "against which we have to fight together", "lang": "en"}, "en", 101.0, True),
    Quote({"q": "In the preparations we carried out in Brussels over the last few weeks for "
                "this meeting, we set ourselves the goal of reaching an agreement on the "
                "essential foundations for a new start in the relations between the members "
                "of NATO and Russia. After very active negotiations we achieved a tangible "
                "result. First, we decided to launch a joint review of the challenges and "
                "threats of the twenty-first century, which should allow us to agree on "
                "the real threats"}, "en", 34.0, True),
    Quote({"q": "présidé ma première réunion"}, "fr", 4.0, False),
    Quote({"q": "nous avons vraiment pris un bon départ"}, "fr", 17.5, False),
    Quote({"q": "les vraies menaces auxquelles sont confrontés aujourd'hui les vingt-neuf "
                "membres du Conseil OTAN-Russie", "lang": "fr"}, "fr", 62.5, True),
    Quote({"q": "je ne suis pas de ceux qui donnent beaucoup d'importance aux améliorations "
                "bureaucratiques"}, "fr", 130.0, False),
    Quote({"q": "les propositions du président Medvedev pour un nouveau traité sur la sécurité "
                "européenne, présentées par le ministre des affaires étrangères Lavrov. Les "
                "autres ministres présents au Conseil OTAN-Russie ont dit qu'ils étaient prêts "
                "à examiner ces propositions, mais que l'OSCE restait la principale enceinte "
                "pour ce débat"}, "fr", 182.3, True),
    Quote({"q": "un véritable premier pas vers une relation meilleure et plus productive, "
                "vers un authentique partenariat stratégique où nous nous concentrerons moins "
                "sur l'autre", "limit": "20"}, "fr", 253.7, True),
    Quote({"q": "we shall never bargain away the freedom of our allies for a quiet winter"},
          "", 0.0, False),
]
