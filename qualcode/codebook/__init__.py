"""The codebook: a tree of themes, codes and sub-codes, its YAML file, its edits and history.

- :mod:`.tree`: parents in tree order, paths, :class:`CodeTree` (the one resolver of
  a code reference by id, name or path);
- :mod:`.book`: :class:`Codebook` (codes in tree order plus metadata), the YAML format,
  validation, going in and out of a project;
- :mod:`.edit`: rename / merge / move / split / delete in a project, keeping codings
  consistent (imported by name: ``from qualcode.codebook.edit import rename_code``);
- :mod:`.history`: the codebook's history from the event log.

Files of other formats (``.qdc``, ``.qdpx``) are read and written by :mod:`qualcode.refi`
(:func:`qualcode.refi.read_codebook` dispatches on the suffix).
"""

from .book import DESCRIPTIVE_FIELDS, TEXT_FIELDS, Codebook, LoadReport
from .tree import PATH_SEPARATOR, CodeRef, CodeTree, code_paths, parent_indices

__all__ = [
    "Codebook",
    "LoadReport",
    "TEXT_FIELDS",
    "DESCRIPTIVE_FIELDS",
    "CodeRef",
    "CodeTree",
    "PATH_SEPARATOR",
    "code_paths",
    "parent_indices",
]
