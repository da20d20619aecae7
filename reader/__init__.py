"""The reader's core: parsing, storage, filters, import and the command line (no UI)."""
