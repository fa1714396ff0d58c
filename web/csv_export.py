"""CSV files people download and open in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
would be read by Excel or LibreOffice as a formula (`=HYPERLINK(...)`), so it
is written with a leading apostrophe, which spreadsheets show as text (OWASP's
advice on CSV injection). Numbers stay numbers.
"""
import csv
import io

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The cell as a spreadsheet reads it as text: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename, header, rows):
    """A CSV download (UTF-8 with a byte order mark, for Excel) with every cell made spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
