"""One writer per format, each streaming (formats.py: Meta, COLUMNS, open_writer; csv_writer, xlsx_writer,
pdf_writer)."""
