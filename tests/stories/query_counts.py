"""Expected query counts of list pages."""


def with_tags(queries: int, kinds_of_tags: int) -> int:
    """A page's query count: `queries`, and one more for each kind of tag its rows show
    (pillars, topics, audiences …), which are prefetched."""
    return queries + kinds_of_tags
