"""Downscaling big photos before upload, so a 2G link carries a readable picture of a
notice board instead of a 6 MB original. Pure: bytes in, bytes out.

The copy is upright (EXIF orientation applied) and carries no EXIF at all: phone
photos hold the place they were taken and the phone's serial, which central does
not need. Anything that is not a photo, or is small enough already, is left alone.
"""

from __future__ import annotations

import io
import warnings

JPEG_QUALITY = 85
MAX_PIXELS = 100_000_000
"""Refuse to decode anything bigger (a decompression bomb, not a photo)."""


def downscale(data: bytes, max_side: int) -> bytes | None:
    """A copy whose longer side is at most ``max_side`` pixels, or None when ``data`` is
    not a picture Pillow reads, already fits, or the copy would not be smaller."""
    if max_side <= 0:
        return None
    # Imported here: Pillow costs start-up time, and most saves attach nothing.
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                if max(image.width, image.height) <= max_side:
                    return None
                kind = image.format
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                if kind == "PNG":
                    upright.save(out, format="PNG", optimize=True)
                else:
                    if upright.mode not in ("RGB", "L"):
                        upright = upright.convert("RGB")
                    upright.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except (
        UnidentifiedImageError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
        OSError,
        ValueError,
    ):
        return None
    copy = out.getvalue()
    return copy if len(copy) < len(data) else None
