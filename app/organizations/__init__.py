from app.organizations.routes import bp

__all__ = ["bp"]
