"""What each of a model's outputs means.

``model.predict`` gives the digits 0-9 as its first ten outputs. A model trained to say more
names its further outputs in its metadata, ``model.metadata["classes"]``: the list of every
output's name, e.g. ``["0", ..., "9", "not a digit", "-", "/", "(", ")"]``. A model with ten
outputs and no such list reads digits only: reading then finds separators from their shape and
place on the line alone, and calls a mark "not a digit" when no digit is a likely reading.
"""

from __future__ import annotations

DIGITS = tuple("0123456789")
NOT_A_DIGIT = "not a digit"
SEPARATORS = tuple("-/:.,()")
UNKNOWN = "?"                        # how a mark that is neither digit nor separator is written
KNOWN_NAMES = DIGITS + SEPARATORS + (NOT_A_DIGIT,)


def output_names(model) -> tuple[str, ...]:
    """The name of each of ``model``'s outputs: "0"-"9", then any of ``SEPARATORS`` and
    ``NOT_A_DIGIT``, as its metadata lists them.

    Raises ``ValueError`` when the model's outputs are not ten digits first, or when its
    metadata names outputs it does not have or names this module does not know.
    """
    count = int(model.output_shape[-1])
    names = (getattr(model, "metadata", None) or {}).get("classes")
    if names is None:
        if count != len(DIGITS):
            raise ValueError(f"the model has {count} outputs but its metadata has no 'classes' "
                             f"list naming them; expected 10 digit outputs, or the list")
        return DIGITS
    if not (isinstance(names, list) and all(isinstance(name, str) for name in names)):
        raise ValueError(f"the model's metadata 'classes' must be a list of names, got {names!r}")
    if len(names) != count:
        raise ValueError(f"the model's metadata names {len(names)} classes but the model has "
                         f"{count} outputs")
    if tuple(names[:len(DIGITS)]) != DIGITS:
        raise ValueError(f"the model's first ten outputs must be the digits 0-9, its metadata "
                         f"names {names[:len(DIGITS)]}")
    unknown = [name for name in names[len(DIGITS):] if name not in KNOWN_NAMES]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"the model's metadata 'classes' holds names reading does not know or "
                         f"repeats: {unknown or names}; known: {', '.join(KNOWN_NAMES)}")
    return tuple(names)
