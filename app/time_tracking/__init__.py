from app.time_logs.routes import bp

__all__ = ["bp"]
