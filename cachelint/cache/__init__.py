"""The cache: what lets a warm run skip reading, parsing and checking files it has seen.

- `folder`: the cache folder, where every file is sealed under this user's key and read
  without following links (nothing a checked repository puts there is believed);
- `key`: that key, a secret of this user bound to the linter's own code;
- `results`: the result cache, findings per file keyed by content and settings;
- `stat_index`: the stat index in front of it, which settles unchanged files without reading
  them (and the folder listings of walks).

`cachelint.runner` drives them. Nothing is imported here: a warm run loads only what it uses.
"""
