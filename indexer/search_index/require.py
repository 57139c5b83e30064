"""A filter that narrows matches without scoring them, and without listing its own first.

Whoosh's `filter=` argument lists every segment the filter matches into a set on each query
(the language "fr" is half a million segments at 1M); `query.Require(scored, filter)` instead
leapfrogs along both posting lists and scores only the first. whoosh-reloaded 2.7.5's
RequireMatcher breaks with block-quality skipping, though: after skipping it asks the
intersection to find the next common document even when both are already on one, which
fails an assertion. `Require` here is the same query with that case handled, on the matchers'
public methods only (it also runs when the fast path is off: whoosh_internals).
"""

from __future__ import annotations

from whoosh import query as Q
from whoosh.matching.wrappers import RequireMatcher


class _RequireMatcher(RequireMatcher):
    def skip_to_quality(self, minquality):
        skipped = self.a.skip_to_quality(minquality)
        # Leapfrog to the next document both match, as the intersection (`self.child`, which
        # keeps no state of its own beyond `a` and `b`) would.
        a, b = self.a, self.b
        while a.is_active() and b.is_active() and a.id() != b.id():
            if a.id() < b.id():
                a.skip_to(b.id())
            else:
                b.skip_to(a.id())
        return skipped


class Require(Q.Require):
    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        required = self.b.matcher(searcher, searcher.boolean_context())
        return _RequireMatcher(scored, required)
