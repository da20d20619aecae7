"""The Textual interface of the reader."""
