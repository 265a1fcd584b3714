"""Importing people and their organisations from a CSV file: read, check every row, preview, apply.

``reading`` turns the bytes into rows (through the one CSV reader, ``services.csv_files``) and maps the
columns by their names; ``checking`` decides, without touching the database, what each row will do against
a ``DirectorySnapshot`` of what the directory holds, and lists every problem with its line and column;
``applying`` previews a file for a person and imports its valid rows through the partner services (which
check permissions again), in the caller's unit of work: committed once, or rolled back and nothing kept.

Problems and actions are codes with parameters; ``vocabulary.MESSAGES`` gives their English text, marked
for translation, so the web pages, the API or the CLI word them in their reader's language.
"""
