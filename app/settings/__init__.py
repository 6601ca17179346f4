from app.settings.routes import bp

__all__ = ["bp"]
