from app.auth import two_factor  # noqa: F401 (registers the code step's route on bp)
from app.auth.routes import bp

__all__ = ["bp"]
