"""Legacy migration: bring old platforms' workbooks and CSV files into the store.

``client.legacy.importer.import_file`` is the entry point (the CLI's ``sanwu import``
and the app call it); ``cleaning`` holds the pure cell converters, ``reading`` turns
a file into a table, ``mapping`` says which old header feeds which field, and
``report`` writes the rows that failed, with the reason per field.
"""
