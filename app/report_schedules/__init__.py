from app.report_schedules.routes import bp

__all__ = ["bp"]
