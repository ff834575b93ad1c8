"""The main navigation, assembled from the entries each app registers for itself.

teams/ cannot import the apps built on it, so they register their links here from their
AppConfig.ready(); each link carries the permission function that decides who sees it.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    may_see: Callable
    order: int


_registry: dict[str, NavItem] = {}


def register(label: str, url_name: str, may_see: Callable, order: int) -> None:
    _registry[url_name] = NavItem(label, url_name, may_see, order)


def items_for(user) -> list[NavItem]:
    return [
        item
        for item in sorted(_registry.values(), key=lambda item: item.order)
        if item.may_see(user)
    ]
