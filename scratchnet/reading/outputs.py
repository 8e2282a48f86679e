"""What each of a model's outputs stands for in a number's text.

``scratchnet.data.classes`` says what a network's outputs are: the digits 0-9 first, then, for
a model trained with synthetic marks, "not a digit". A model names them in its metadata,
``model.metadata["classes"]``, as a training run writes them (``classes.class_names``). Reading
works with their symbols, the characters a number's text shows: "0"-"9" and "?"
(``NOT_A_DIGIT``). A model with ten outputs and no such list reads digits only: reading then
calls a mark "not a digit" when no digit is a likely reading. No separator has an output:
reading tells them by their shape and place on the line (``reading.separators``).
"""

from __future__ import annotations

from scratchnet.data import classes

DIGITS = classes.DIGITS
NOT_A_DIGIT = classes.SYMBOLS[classes.NOT_A_DIGIT]                # "?"


def output_symbols(model) -> tuple[str, ...]:
    """The symbol of each of ``model``'s outputs: "0"-"9", then those of the further outputs
    its metadata names (``classes.symbol_of_name``).

    Raises ``ValueError`` when the model's outputs are not ten digits first, or when its
    metadata names outputs it does not have or names ``scratchnet.data.classes`` does not know.
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
    unknown = [name for name in names if name not in classes.NAMES]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"the model's metadata 'classes' holds names reading does not know or "
                         f"repeats: {unknown or names}; known: {', '.join(classes.NAMES)}")
    return tuple(classes.symbol_of_name(name) for name in names)
