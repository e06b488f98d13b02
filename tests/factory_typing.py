"""factory_boy's `BaseFactory.__new__` returns the model instance it creates but carries no annotation, so mypy
reads `UserFactory()` as a `UserFactory`. `ModelFactory[M]` is `DjangoModelFactory[M]`; for mypy only, its call
returns an `M`. At run time nothing changes."""

from typing import TYPE_CHECKING, Any, TypeVar

from factory.django import DjangoModelFactory

M = TypeVar("M")

if TYPE_CHECKING:

    class ModelFactory(DjangoModelFactory[M]):
        # factory_boy's __new__ returns the built model, which is not an instance of the factory: mypy rejects a
        # __new__ returning another type, and that is exactly what this one does.
        def __new__(cls, *args: Any, **kwargs: Any) -> M:  # type: ignore[misc]
            ...

else:
    ModelFactory = DjangoModelFactory
