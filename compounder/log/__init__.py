"""The compounding log: an append-only, hash-chained record of every preparation,
label, batch order, print and correction, in a SQLite file or a PostgreSQL database.

Which module owns what:

- ``store``: ``Store``, an open log: opening and migrating it, write transactions
  (holding the write lock), appending entries, reading them by id, Rx, lot or key.
- ``kinds``: what an entry is: its kind (``Kind``), its key (built and taken apart
  only here), the payload fields the log reads (fill dates, file hashes, labels
  file, snapshot) and the rows they are written out to.
- ``schema``: the tables, indexes and append-only rule, described once, and the
  migrations (named functions) that bring an older log forward.
- ``chain``: entry and snapshot hashes, and ``verify``, the walk over every row.
- ``backends``: what differs between databases (``base.Backend``: connect, begin,
  errors, introspection, streaming reads, bulk inserts, the schema in its SQL),
  ``sqlite`` and ``postgres``, picked from the location's URL scheme.
- ``location``: which log a command opens (``--db``, ``COMPOUNDER_DB``, settings).
- ``lot_numbers``: lot numbers, and a batch run's reserved lots.
- ``batches``: what a batch run asks of the log (earlier runs of the same file,
  fills already dispensed, print entries of its labels files).
- ``copying``: moving a whole log into a new one (``log copy``).
- ``entries``: the API's entrances (log a label, trace, history, correct, verify,
  copy, settle files left by a killed command); ``snapshots``: a label as data.

The rule: only ``log/`` knows the log's formats. Other layers never write SQL, name a
table, or build or take apart an entry key; they call these modules with values
(``kinds.dispense_key(digest, rx)``, ``Kind.LABEL``) and get values back. A test
(``tests/log/test_log_boundary.py``) holds the rule, and keeps every module here under
500 lines and every function under 80.
"""
