from app.notifications.routes import bp

__all__ = ["bp"]
