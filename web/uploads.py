"""Files people upload: read once, size-capped, as text."""
from flask import request


def uploaded_csv_text(max_bytes):
    """(the uploaded file's text, None) or (None, what is wrong with the upload, in words): no file chosen, larger
    than `max_bytes`, or not UTF-8."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, "Choose a CSV file to import."
    raw = upload.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return None, f"The file is larger than {max_bytes // (1024 * 1024)} MB; split it into several files."
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, "The file is not UTF-8 text: save it as \u201cCSV UTF-8\u201d and try again."
