from app.settings import two_factor  # noqa: F401 (registers the two-factor pages on bp)
from app.settings.routes import bp

__all__ = ["bp"]
